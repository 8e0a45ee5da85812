#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The libFuzzer harnesses, briefly (tests/fuzz/run.sh --smoke): each over its
# repository corpus, the regression inputs of past findings among them, and a
# few thousand mutations, so that a harness cannot rot and a fixed bug cannot
# come back unseen.  `make test` builds them (build/fuzz/); when clang's
# fuzzer runtime is missing it says so and this skips with that reason.
exec "$(dirname "$0")/../fuzz/run.sh" --smoke
