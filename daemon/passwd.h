/* SPDX-License-Identifier: Apache-2.0 */
/* Salted password hashes for ACSE password authentication (doc/security.md):
 *   $pbkdf2-sha256$ITERATIONS$SALT$HASH
 * SALT (16 octets) and HASH (32 octets) in lower-case hex, PBKDF2 with
 * HMAC-SHA-256 (RFC 8018) from GnuTLS. The configuration stores only
 * these; `iedd --hash-password` prints one. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The iterations of a new hash: about 5 ms on one core of the machines
 * iedd runs on, the cost of one ACSE password check on the loop. */
#define PASSWD_ITERATIONS 20000
#define PASSWD_HASH_MAX 160

/* Writes the hash of pw[len] with a fresh random salt into out[n]; 0 or
 * a negative errno. */
int passwd_hash(const uint8_t *pw, size_t len, char *out, size_t n);
/* Whether `hash` is one passwd_hash could have written (for the
 * configuration's check). */
bool passwd_hash_valid(const char *hash);
/* Whether pw[len] matches `hash` (constant time in the hash). */
bool passwd_check(const char *hash, const uint8_t *pw, size_t len);
