/* SPDX-License-Identifier: Apache-2.0 */
#include "passwd.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "$pbkdf2-sha256$"
#define SALT_LEN 16
#define DK_LEN 32
#define MAX_ITER 10000000UL

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static int unhex(const char *s, size_t chars, uint8_t *out)
{
	for (size_t i = 0; i < chars / 2; i++) {
		unsigned v;
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		if (!strchr("0123456789abcdef", b[0]) || !strchr("0123456789abcdef", b[1]) ||
		    !b[0] || !b[1] || sscanf(b, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int derive(const uint8_t *pw, size_t len, const uint8_t *salt, unsigned iter,
		  uint8_t dk[DK_LEN])
{
	const gnutls_datum_t key = { (unsigned char *)pw, (unsigned)len };
	const gnutls_datum_t s = { (unsigned char *)salt, SALT_LEN };
	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &key, &s, iter, dk, DK_LEN) < 0 ? -EIO : 0;
}

/* Splits a hash into its iterations, salt and derived key. */
static int parse(const char *h, unsigned *iter, uint8_t salt[SALT_LEN], uint8_t dk[DK_LEN])
{
	if (strncmp(h, PREFIX, strlen(PREFIX)))
		return -EINVAL;
	h += strlen(PREFIX);
	char *end;
	unsigned long it = strtoul(h, &end, 10);
	if (end == h || *end != '$' || it < 1000 || it > MAX_ITER)
		return -EINVAL;
	h = end + 1;
	if (strlen(h) != 2 * SALT_LEN + 1 + 2 * DK_LEN || h[2 * SALT_LEN] != '$' ||
	    unhex(h, 2 * SALT_LEN, salt) || unhex(h + 2 * SALT_LEN + 1, 2 * DK_LEN, dk))
		return -EINVAL;
	*iter = (unsigned)it;
	return 0;
}

int passwd_hash(const uint8_t *pw, size_t len, char *out, size_t n)
{
	uint8_t salt[SALT_LEN], dk[DK_LEN];
	if (gnutls_rnd(GNUTLS_RND_RANDOM, salt, sizeof(salt)) < 0)
		return -EIO;
	if (derive(pw, len, salt, PASSWD_ITERATIONS, dk))
		return -EIO;
	char s[2 * SALT_LEN + 1], d[2 * DK_LEN + 1];
	hex(salt, SALT_LEN, s);
	hex(dk, DK_LEN, d);
	int k = snprintf(out, n, PREFIX "%u$%s$%s", PASSWD_ITERATIONS, s, d);
	return k < 0 || (size_t)k >= n ? -ENOSPC : 0;
}

bool passwd_hash_valid(const char *hash)
{
	unsigned it;
	uint8_t s[SALT_LEN], d[DK_LEN];
	return !parse(hash, &it, s, d);
}

bool passwd_check(const char *hash, const uint8_t *pw, size_t len)
{
	unsigned it;
	uint8_t salt[SALT_LEN], want[DK_LEN], got[DK_LEN];
	if (parse(hash, &it, salt, want) || derive(pw, len, salt, it, got))
		return false;
	uint8_t diff = 0;
	for (size_t i = 0; i < DK_LEN; i++)
		diff |= (uint8_t)(want[i] ^ got[i]);
	return diff == 0;
}
