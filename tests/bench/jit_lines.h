/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jit_lines.h - where a BPF program's machine code comes from: for every
 * line info record of a loaded program, the offset of its first JIT-ed
 * instruction in its function's image and its source line, as the kernel
 * keeps them (bpf_prog_info: jited_line_info, line_info, the functions'
 * symbols and tags, the program's BTF).
 *
 * A profiler samples a JIT-ed program as one kernel symbol,
 * bpf_prog_<tag>_<function>, plus an offset (`perf script -F ip,sym,symoff`);
 * this table turns the offset into a source line (tests/bench/profile.sh),
 * which `perf annotate` cannot do without binutils' BPF disassembler.
 * One line per record:
 *
 *   SYMBOL OFFSET_HEX FILE:LINE SOURCE TEXT
 *
 * FILE is the base name of the source file; the records of a function
 * are in ascending offset order.
 */
#ifndef MAPCE_BENCH_JIT_LINES_H
#define MAPCE_BENCH_JIT_LINES_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* The arrays bpf_obj_get_info_by_fd fills for jit_lines_write. */
struct jit_info {
	struct bpf_prog_info info;
	struct bpf_line_info *lines;
	struct bpf_func_info *funcs;
	__u64 *addrs, *ksyms;
	__u32 *func_lens;
	__u8 (*tags)[BPF_TAG_SIZE];
};

static void jit_info_free(struct jit_info *j)
{
	free(j->lines);
	free(j->funcs);
	free(j->addrs);
	free(j->ksyms);
	free(j->func_lens);
	free(j->tags);
}

/* The program's info with its line, function and symbol arrays.  0, or
 * -1 (nothing to free: a program without BTF line info, or not JIT-ed),
 * or -2 when the kernel hides the JIT's addresses (it gives zeros where
 * kernel.kptr_restrict is 2, or to a reader without CAP_SYSLOG). */
static int jit_info_get(int prog_fd, struct jit_info *j)
{
	struct bpf_prog_info n = {};
	__u32 len = sizeof(n);

	memset(j, 0, sizeof(*j));
	if (bpf_obj_get_info_by_fd(prog_fd, &n, &len) || !n.nr_jited_line_info ||
	    n.nr_jited_line_info != n.nr_line_info || !n.nr_jited_ksyms || !n.btf_id)
		return -1;
	j->lines = calloc(n.nr_line_info, sizeof(*j->lines));
	j->funcs = calloc(n.nr_func_info, sizeof(*j->funcs));
	j->addrs = calloc(n.nr_jited_line_info, sizeof(*j->addrs));
	j->ksyms = calloc(n.nr_jited_ksyms, sizeof(*j->ksyms));
	j->func_lens = calloc(n.nr_jited_func_lens, sizeof(*j->func_lens));
	j->tags = calloc(n.nr_prog_tags, sizeof(*j->tags));
	if (!j->lines || !j->funcs || !j->addrs || !j->ksyms || !j->func_lens || !j->tags) {
		jit_info_free(j);
		return -1;
	}
	/* the second call fills the arrays: only their sizes and pointers set */
	j->info = (struct bpf_prog_info){
		.nr_line_info = n.nr_line_info,
		.line_info_rec_size = sizeof(*j->lines),
		.line_info = (__u64)(unsigned long)j->lines,
		.nr_func_info = n.nr_func_info,
		.func_info_rec_size = sizeof(*j->funcs),
		.func_info = (__u64)(unsigned long)j->funcs,
		.nr_jited_line_info = n.nr_jited_line_info,
		.jited_line_info_rec_size = sizeof(*j->addrs),
		.jited_line_info = (__u64)(unsigned long)j->addrs,
		.nr_jited_ksyms = n.nr_jited_ksyms,
		.jited_ksyms = (__u64)(unsigned long)j->ksyms,
		.nr_jited_func_lens = n.nr_jited_func_lens,
		.jited_func_lens = (__u64)(unsigned long)j->func_lens,
		.nr_prog_tags = n.nr_prog_tags,
		.prog_tags = (__u64)(unsigned long)j->tags,
	};
	len = sizeof(j->info);
	if (bpf_obj_get_info_by_fd(prog_fd, &j->info, &len) ||
	    j->info.nr_jited_ksyms != n.nr_jited_ksyms ||
	    j->info.nr_func_info != n.nr_jited_ksyms || j->info.nr_prog_tags != n.nr_jited_ksyms ||
	    j->info.nr_jited_func_lens != n.nr_jited_ksyms) {
		jit_info_free(j);
		return -1;
	}
	if (!j->ksyms[0]) {
		jit_info_free(j);
		return -2;
	}
	j->info.btf_id = n.btf_id;
	memcpy(j->info.tag, n.tag, sizeof(n.tag));
	return 0;
}

/* The function of j whose image holds address a, or -1. */
static int jit_func_of(const struct jit_info *j, __u64 a)
{
	for (__u32 i = 0; i < j->info.nr_jited_ksyms; i++)
		if (a >= j->ksyms[i] && a < j->ksyms[i] + j->func_lens[i])
			return (int)i;
	return -1;
}

/* The line table of BPF program prog_fd (above) into f.  The number of
 * lines written, or jit_info_get's -1 or -2. */
static int jit_lines_write(int prog_fd, FILE *f)
{
	struct jit_info j;
	struct btf *btf;
	int n = 0, err = jit_info_get(prog_fd, &j);

	if (err)
		return err;
	btf = btf__load_from_kernel_by_id(j.info.btf_id);
	if (!btf) {
		jit_info_free(&j);
		return -1;
	}
	for (__u32 i = 0; i < j.info.nr_jited_line_info; i++) {
		int fn = jit_func_of(&j, j.addrs[i]);
		const struct btf_type *t;
		const char *file, *text, *slash;
		char tag[2 * BPF_TAG_SIZE + 1];

		if (fn < 0)
			continue;
		t = btf__type_by_id(btf, j.funcs[fn].type_id);
		file = btf__name_by_offset(btf, j.lines[i].file_name_off);
		text = btf__name_by_offset(btf, j.lines[i].line_off);
		if (!t || !file)
			continue;
		slash = strrchr(file, '/');
		/* the kernel names the main function's symbol by the
		 * program's tag, the others by their own */
		for (int k = 0; k < BPF_TAG_SIZE; k++)
			snprintf(tag + 2 * k, 3, "%02x", fn ? j.tags[fn][k] : j.info.tag[k]);
		/* the source text is one line; tabs to spaces keep the columns */
		fprintf(f, "bpf_prog_%s_%s %llx %s:%u ", tag, btf__name_by_offset(btf, t->name_off),
			(unsigned long long)(j.addrs[i] - j.ksyms[fn]), slash ? slash + 1 : file,
			BPF_LINE_INFO_LINE_NUM(j.lines[i].line_col));
		for (const char *c = text ? text : ""; *c && *c != '\n'; c++)
			fputc(*c == '\t' ? ' ' : *c, f);
		fputc('\n', f);
		n++;
	}
	btf__free(btf);
	jit_info_free(&j);
	return n;
}

/* DIR/PROGRAM.lines, the line table of each loaded program of obj.  0,
 * or -1 after saying which could not be written. */
static int jit_lines_dump(struct bpf_object *obj, const char *dir)
{
	struct bpf_program *p;
	char path[PATH_MAX];

	bpf_object__for_each_program(p, obj)
	{
		FILE *f;
		int n;

		if (bpf_program__fd(p) < 0)
			continue; /* not loaded (autoload off) */
		snprintf(path, sizeof(path), "%s/%s.lines", dir, bpf_program__name(p));
		f = fopen(path, "w");
		n = f ? jit_lines_write(bpf_program__fd(p), f) : -1;
		if (f && fclose(f))
			n = -1;
		if (n == -2)
			fprintf(stderr,
				"jit_lines: %s: the kernel hides the JIT's addresses "
				"(kernel.kptr_restrict=2)\n",
				path);
		if (n <= 0) {
			fprintf(stderr, "jit_lines: %s: no line table written\n", path);
			return -1;
		}
	}
	return 0;
}

#endif
