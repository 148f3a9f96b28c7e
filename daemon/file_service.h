/* SPDX-License-Identifier: Apache-2.0 */
/* The file services of the daemon: the rooted store (store/files.h) put
 * behind acsi's file-store interface (acsi/files.h). The only place that
 * knows both, so that acsi never includes store/ (DESIGN.md). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acsi/files.h"	/* both folders have a files.h: name the folder */

struct files_store;
struct file_worker;

/* FileRead's disk work runs on one worker thread (a slow or stalled disk
 * holds up only the associations reading from it); its finished reads
 * wake the loop through an eventfd that net/ watches (acsi_files_wake_fd).
 * The queue is bounded by construction: one read per association at a
 * time, and each needs an open FRSM (at most the store's max_open_total).
 * FileOpen and FileDirectory still run on the loop. */
struct file_service {
	struct files_store *store;	/* owned */
	struct file_worker *worker;	/* owned; NULL: reads on the loop */
	struct acsi_files acsi;		/* what the MMS server is given */
};

/* Opens `root` for the file services; delete and rename as allowed.
 * IEDD_TEST_FILE_READ_DELAY_MS=N in the environment (a test hook) makes
 * each FileRead wait N ms first: a slow disk, deterministically.
 * -errno with a sentence in err[n] naming the directory and the fix. */
int file_service_open(struct file_service *fs, const char *root, bool allow_delete,
		      bool allow_rename, char *err, size_t n);
/* The same, ObtainFile as allowed too. */
int file_service_open_all(struct file_service *fs, const char *root, bool allow_delete,
			  bool allow_rename, bool allow_obtain, char *err, size_t n);
/* Limits of the store; 0 keeps a default (5 per association, 64 in all,
 * 256 MiB per upload, nothing kept free). */
void file_service_limits(struct file_service *fs, unsigned per_assoc, unsigned total,
			 uint64_t max_upload, uint64_t keep_free);
/* Waits for the worker's reads, frees what they were for, and closes the
 * store. After the server is freed (its associations gone). */
void file_service_close(struct file_service *fs);
