// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_update_url.c - the update call without a network: percent-encoding
 * (RFC 3986 section 2.1 by hand), the URL template, what may be shown of
 * it and of a reply, the backoff, the config keys (checked alone and
 * together) and their refusal on the command line of up and run (the
 * value, a secret, never repeated).
 *
 * Expected values are written out here, never computed by the code under
 * test.
 */
#include "config_fixture.h"
#include "cli/commands.h"
#include "core/output.h"
#include "core/update_url.h"

static char caught[4096];

static void catch_msg(bool error, const char *msg, void *arg)
{
	snprintf(caught + strlen(caught), sizeof(caught) - strlen(caught), "%s\n", msg);
}

static void test_pct_encode(void)
{
	char out[64];

	TCASE_BEGIN("update_pct_encode_rfc3986");
	CHECK_EQ(update_pct_encode("AZaz09-._~", out, sizeof(out)), 0);
	CHECK_STR(out, "AZaz09-._~");
	CHECK_EQ(update_pct_encode("a b&c=d/e?f#g+h%i@j:k", out, sizeof(out)), 0);
	CHECK_STR(out, "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25i%40j%3Ak");
	/* UTF-8 bytes each encoded, upper-case hex */
	CHECK_EQ(update_pct_encode("\xe5\x9b\xba", out, sizeof(out)), 0);
	CHECK_STR(out, "%E5%9B%BA");
	CHECK_EQ(update_pct_encode("", out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* "a&" needs 5 bytes with its NUL: 4 is too small */
	CHECK_EQ(update_pct_encode("a&", out, 4), -1);
	CHECK_EQ(update_pct_encode("a&", out, 5), 0);
	CHECK_STR(out, "a%26");
	TCASE_END();
}

static void test_expand(void)
{
	const char *jpix = "http://fcs.enabler.ne.jp/update?user={user}&pass={password}";
	char out[UPDATE_URL_MAX];

	TCASE_BEGIN("update_url_expand_template");
	CHECK_EQ(update_url_expand(jpix, "user@example", "p&ss w/rd", false, out, sizeof(out)), 0);
	CHECK_STR(out, "http://fcs.enabler.ne.jp/update?user=user%40example&pass=p%26ss%20w%2Frd");
	/* shown: the password hidden, not encoded */
	CHECK_EQ(update_url_expand(jpix, "user@example", "p&ss w/rd", true, out, sizeof(out)), 0);
	CHECK_STR(out, "http://fcs.enabler.ne.jp/update?user=user%40example&pass=****");
	/* every occurrence, and a lone brace left alone */
	CHECK_EQ(update_url_expand("https://h/{user}/{user}?x={y}", "a b", "", false, out,
				   sizeof(out)),
		 0);
	CHECK_STR(out, "https://h/a%20b/a%20b?x={y}");
	/* no placeholders: the template as it is */
	CHECK_EQ(update_url_expand("https://h/nic/update", "u", "p", false, out, sizeof(out)), 0);
	CHECK_STR(out, "https://h/nic/update");
	/* too long for out */
	CHECK_EQ(update_url_expand(jpix, "u", "p", false, out, 20), -1);
	TCASE_END();
}

static void test_check(void)
{
	char err[512];
	bool https = false;

	TCASE_BEGIN("update_url_check");
	CHECK_EQ(update_url_check("https://h.example/x?a=1", &https, err, sizeof(err)), 0);
	CHECK(https);
	CHECK_EQ(update_url_check("http://[2001:db8::1]:8080/u?user={user}", &https, err,
				  sizeof(err)),
		 0);
	CHECK(!https);
	CHECK_EQ(update_url_check("ftp://h/x", &https, err, sizeof(err)), -1);
	CHECK(strstr(err, "'ftp://h/x': not an http:// or https:// URL"), "%s", err);
	CHECK_EQ(update_url_check("https:///x", &https, err, sizeof(err)), -1);
	CHECK(strstr(err, "no host"), "%s", err);
	CHECK_EQ(update_url_check("https://h/a b", &https, err, sizeof(err)), -1);
	CHECK(strstr(err, "blank or control character at position 12"), "%s", err);
	CHECK_EQ(update_url_check("https://u:p@h/", &https, err, sizeof(err)), -1);
	CHECK(strstr(err, "credentials in the URL"), "%s", err);
	CHECK_EQ(update_url_check("http://[2001:db8::1/x", &https, err, sizeof(err)), -1);
	CHECK(strstr(err, "closing ']'"), "%s", err);
	TCASE_END();
}

static void test_reply(void)
{
	char out[UPDATE_REPLY_MAX + 8], big[600];

	TCASE_BEGIN("update_reply_clean");
	update_reply_clean("OK\r\n\x1b[2J\xff", 9, "pw", out, sizeof(out));
	CHECK_STR(out, "OK...[2J."); /* CR LF ESC and 0xff as dots */
	update_reply_clean("OK 2001:db8::1\r\n", 16, "pw", out, sizeof(out));
	CHECK_STR(out, "OK 2001:db8::1"); /* the line end is not the reply's */
	/* the password, raw and percent-encoded, hidden */
	update_reply_clean("user=bob pass=s&cret got s%26cret", 33, "s&cret", out, sizeof(out));
	CHECK_STR(out, "user=bob pass=**** got ****");
	/* cut at UPDATE_REPLY_MAX, said with "..." */
	memset(big, 'x', sizeof(big));
	update_reply_clean(big, sizeof(big), NULL, out, sizeof(out));
	CHECK_EQ(strlen(out), UPDATE_REPLY_MAX + 3);
	CHECK(!strcmp(out + UPDATE_REPLY_MAX, "..."), "%s", out + UPDATE_REPLY_MAX - 2);
	/* a password across the cut is hidden whole, none of it shown */
	memcpy(big + UPDATE_REPLY_MAX - 2, "SECRETPW", 8);
	update_reply_clean(big, sizeof(big), "SECRETPW", out, sizeof(out));
	CHECK(!strstr(out, "SE") && strstr(out, "xx****"), "%s", out + UPDATE_REPLY_MAX - 4);
	TCASE_END();
}

static void test_backoff(void)
{
	TCASE_BEGIN("update_backoff_30s_to_1h");
	CHECK_EQ(update_backoff_s(30, 1), 30);
	CHECK_EQ(update_backoff_s(30, 2), 60);
	CHECK_EQ(update_backoff_s(30, 3), 120);
	CHECK_EQ(update_backoff_s(30, 7), 1920);
	CHECK_EQ(update_backoff_s(30, 8), 3600);
	CHECK_EQ(update_backoff_s(30, 1000), 3600);
	CHECK_EQ(update_backoff_s(2, 3), 8);
	TCASE_END();
}

/* The file with the settings merged and checked as up does. */
static int parse_checked(const char *text)
{
	static struct up_settings cli, m;

	if (parse(text))
		return -1;
	up_settings_init(&cli);
	up_settings_merge(&m, &S, &cli);
	return up_settings_check(&m, errbuf, sizeof(errbuf));
}

#define BASE "wan wan0\nisp v6plus\n"

static void test_config(void)
{
	TCASE_BEGIN("update_config_keys");
	CHECK(parse_checked(BASE "update-url https://u.example/update?user={user}&pass={password}\n"
				 "update-user bob\nupdate-password p#not-a-comment\n"
				 "update-ca /etc/ssl/lab.pem\nupdate-retry-min 5\n") == 0,
	      "%s", errbuf);
	CHECK_STR(S.update_url, "https://u.example/update?user={user}&pass={password}");
	CHECK_STR(S.update_user, "bob");
	CHECK_STR(S.update_password, "p"); /* '#' starts a comment, as on every line */
	CHECK_STR(S.update_ca, "/etc/ssl/lab.pem");
	CHECK_EQ(S.val[UK_UPDATE_RETRY_MIN], 5);
	CHECK(parse_checked(BASE "update-url http://[2001:db8::1]/u\nupdate-insecure yes\n") == 0,
	      "%s", errbuf);
	CHECK(parse_checked(BASE "update-url https://h/u\nupdate-insecure no\n") == 0, "%s",
	      errbuf);
	CHECK(!S.set[UK_UPDATE_INSECURE]);
	TCASE_END();

	TCASE_BEGIN("update_config_rejects");
	REJECT(BASE "update-url ftp://h/u\n", 3,
	       "update-url 'ftp://h/u': not an http:// or https://");
	REJECT(BASE "update-url https://h/u\nupdate-url https://h/v\n", 4,
	       "update-url given twice (first on line 3)");
	REJECT(BASE "update-retry-min 0\n", 3, "bad update-retry-min '0' (expected 1..3600)");
	REJECT(BASE "update-ca lab.pem\n", 3, "bad update-ca 'lab.pem' (an absolute file name)");
	/* the checks of the whole file */
	CHECK_EQ(parse_checked(BASE "update-url http://h/u?user={user}\nupdate-user bob\n"), -1);
	CHECK(err_at(3, "update-url 'http://h/u?user={user}': plain http refused") &&
		      strstr(errbuf, "'update-insecure yes' takes it"),
	      "%s", errbuf);
	CHECK_EQ(parse_checked(BASE "update-user bob\n"), -1);
	CHECK(err_at(3, "update-user without update-url"), "%s", errbuf);
	CHECK_EQ(parse_checked(BASE "update-url https://h/?u={user}\n"), -1);
	CHECK(err_at(3, "has {user} but no update-user"), "%s", errbuf);
	CHECK_EQ(parse_checked(BASE "update-url https://h/?p={password}\nupdate-user bob\n"), -1);
	CHECK(err_at(3, "has {password} but no update-password"), "%s", errbuf);
	CHECK_EQ(parse_checked(BASE "update-url https://h/\nupdate-password hunter2\n"), -1);
	CHECK(err_at(4, "update-password without update-user"), "%s", errbuf);
	CHECK(!strstr(errbuf, "hunter2"), "the password in a message: %s", errbuf);
	/* a password too long: its length said, never its text */
	{
		char text[1024];

		snprintf(text, sizeof(text), BASE "update-password %0300d\n", 7);
		CHECK_EQ(parse(text), -1);
		CHECK(err_at(3, "update-password: longer than 255 bytes") &&
			      !strstr(errbuf, "0000007"),
		      "%s", errbuf);
	}
	TCASE_END();
}

/* up and run refuse every update key on the command line, naming the key,
 * never its value; usage lists them as file keys (no dashes). */
static void test_argv(void)
{
	const struct cli_spec *specs[] = { &up_spec, &run_spec };

	TCASE_BEGIN("update_keys_refused_on_argv");
	for (size_t i = 0; i < 2; i++) {
		for (const struct opt_def *d = up_update_group.opts; d->name; d++) {
			char opt[64], *argv[] = { (char *)specs[i]->name, opt, "hunter2", NULL };
			int argc = d->metavar ? 3 : 2, ret;

			snprintf(opt, sizeof(opt), "--%s", d->name);
			caught[0] = '\0';
			out_redirect_msgs(catch_msg, NULL);
			ret = up_settings_from_argv(specs[i], argc, argv, &S);
			out_redirect_msgs(NULL, NULL);
			CHECK_EQ(ret, EXIT_USAGE);
			CHECK(strstr(caught, opt) && strstr(caught, "config file key only"),
			      "%s %s: %s", specs[i]->name, opt, caught);
			CHECK(!strstr(caught, "hunter2"), "%s %s: the value shown: %s",
			      specs[i]->name, opt, caught);
		}
	}
	TCASE_END();
}

/* A file holding the password that others may read: said, with the
 * chmod that mends it; a 0600 one: nothing said. */
static void test_file_mode(void)
{
	char *argv[] = { "up", "--config", path, NULL };

	TCASE_BEGIN("update_password_file_mode_warned");
	put(BASE "update-url https://h/u\nupdate-user bob\nupdate-password hunter2\n");
	chmod(path, 0644);
	caught[0] = '\0';
	out_redirect_msgs(catch_msg, NULL);
	CHECK_EQ(up_settings_from_argv(&up_spec, 3, argv, &S), CLI_GO);
	out_redirect_msgs(NULL, NULL);
	CHECK(strstr(caught, "holds update-password and others may read it (mode 0644)") &&
		      strstr(caught, "chmod 600") && !strstr(caught, "hunter2"),
	      "%s", caught);
	chmod(path, 0600);
	caught[0] = '\0';
	out_redirect_msgs(catch_msg, NULL);
	CHECK_EQ(up_settings_from_argv(&up_spec, 3, argv, &S), CLI_GO);
	out_redirect_msgs(NULL, NULL);
	CHECK(!caught[0], "%s", caught);
	TCASE_END();
}

int main(void)
{
	if (config_fixture_begin())
		return 1;
	test_pct_encode();
	test_expand();
	test_check();
	test_reply();
	test_backoff();
	test_config();
	test_argv();
	test_file_mode();
	return config_fixture_end();
}
