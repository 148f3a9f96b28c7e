/* SPDX-License-Identifier: Apache-2.0 */
/* Tiny plugins that the loader must refuse, one per -D variant (built by
 * tests/pv/meson.build), and MOCK, a well-formed read-only plugin for the
 * loader's own checks:
 *   BAD_ABI       abi_version one above this iedd's
 *   BAD_SIZE      struct_size 16 octets short (neither this iedd's size
 *                 nor the one before control() was appended)
 *   OLD_SIZE      struct_size of ABI 1 before control(): loads, no control
 *   BAD_CTL_NOCB  IEDD_SOURCE_CONTROL without a control() callback
 *   BAD_CTL_SHORT IEDD_SOURCE_CONTROL with the descriptor before control()
 *   CONTROL       a control() that refuses a command asking for
 *                 interlock-check with AddCause 10, fails with -EIO for
 *                 orCat 0, and accepts the rest
 *   BAD_NO_SYMBOL exports no iedd_source_descriptor
 *   BAD_NO_READ   read callback missing
 *   BAD_FLAGS     a flag bit this iedd does not know
 *   MOCK          open fails when given the parameter fail=...; read
 *                 returns a kind out of range for the first point; no write */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <iedd/source.h>

#ifdef BAD_NO_SYMBOL
int iedd_not_a_source(void);
int iedd_not_a_source(void)
{
	return 42;
}
#else

static int mock_ctx_token;

static int b_open(const struct iedd_param *params, size_t n_params, const struct iedd_host *host,
		  void **ctx, char *err, size_t errlen)
{
	(void)host;
	for (size_t i = 0; i < n_params; i++) {
		if (!strcmp(params[i].name, "fail")) {
			snprintf(err, errlen, "parameter fail=%s: told to fail", params[i].value);
			return -EINVAL;
		}
		if (!strcmp(params[i].name, "positive"))
			return 1;	/* breaks the contract: 0 or a negative errno */
	}
	*ctx = &mock_ctx_token;
	return 0;
}

static void b_close(void *ctx)
{
	(void)ctx;
}

static int b_resolve(void *ctx, const char *address, enum iedd_kind kind, bool writable,
		     void **point, char *err, size_t errlen)
{
	(void)ctx;
	(void)kind;
	(void)writable;
	if (!strcmp(address, "bad")) {
		snprintf(err, errlen, "address \"%s\": refused", address);
		return -EINVAL;
	}
	if (!strcmp(address, "silent"))
		return -EIO;	/* no message: the loader supplies one */
	*point = &mock_ctx_token;
	return 0;
}

__attribute__((unused)) static int b_read(void *ctx, struct iedd_point *points, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		memset(&points[i].value, 0, sizeof(points[i].value));
		points[i].value.kind = IEDD_KIND_STRING;
		memset(points[i].value.v.s, 'x', sizeof(points[i].value.v.s)); /* no NUL */
	}
	if (n)
		points[0].value.kind = 99;
	return 0;
}

#ifdef CONTROL
static int b_control(void *ctx, void *point, const struct iedd_command *cmd, char *err,
		     size_t errlen)
{
	(void)ctx;
	(void)point;
	if (cmd->check & IEDD_CHECK_INTERLOCK) {
		snprintf(err, errlen, "interlocked: Q1 is closed");
		return 10; /* Blocked-by-interlocking */
	}
	if (cmd->or_cat == 0) {
		snprintf(err, errlen, "device gone");
		return -EIO;
	}
	return 0;
}
#endif

static const struct iedd_source b_descriptor = {
#ifdef BAD_ABI
	.abi_version = IEDD_SOURCE_ABI_VERSION + 1,
#else
	.abi_version = IEDD_SOURCE_ABI_VERSION,
#endif
#ifdef BAD_SIZE
	.struct_size = sizeof(struct iedd_source) - 16,
#elif defined(OLD_SIZE) || defined(BAD_CTL_SHORT)
	.struct_size = offsetof(struct iedd_source, control),
#else
	.struct_size = sizeof(struct iedd_source),
#endif
	.name = "bad",
	.version = "0",
#ifdef BAD_FLAGS
	.flags = 0x80,
#endif
#if defined(BAD_CTL_NOCB) || defined(BAD_CTL_SHORT) || defined(CONTROL)
	.flags = IEDD_SOURCE_CONTROL,
#endif
#ifdef CONTROL
	.control = b_control,
#endif
	.open = b_open,
	.close = b_close,
	.resolve = b_resolve,
#ifndef BAD_NO_READ
	.read = b_read,
#endif
};

const struct iedd_source *iedd_source_descriptor(void)
{
	return &b_descriptor;
}
#endif
