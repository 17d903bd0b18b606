/* SPDX-License-Identifier: GPL-2.0 */
/* A small struct_ops-like type for the bad scope fixtures. */
#include "../kfunc.h"

struct bad_ops {
	int (*open)(void *ctx);
	u32 flags;
	void (*close)(void *ctx);
	void *priv;
};

static int bad_ops__open(void *ctx) { return 0; }
static void bad_ops__close(void *ctx) {}

__attribute__((used)) struct bad_ops __bpf_bad_ops = {
	.open = bad_ops__open,
	.close = bad_ops__close,
};

volatile u64 kfb_sink;
