/* Temporary stand-in while daemon/model is written: no model. */
#include <errno.h>
#include <stdio.h>
#include "model.h"
int model_load_scl(const char *path, const char *ied, struct model **out, char *err, size_t errlen)
{
	(void)ied;
	*out = NULL;
	snprintf(err, errlen, "%s: SCL loading is not built in yet", path);
	return -ENOSYS;
}
void model_free(struct model *m) { (void)m; }
const struct mld *model_find_ld(const struct model *m, const char *d) { (void)m; (void)d; return NULL; }
int model_resolve_mms(const struct model *m, const char *d, const char *i, struct mref *o) { (void)m; (void)d; (void)i; (void)o; return -ENOENT; }
const struct mcomp *mtype_find(const struct mtype *t, const char *n, size_t l) { (void)t; (void)n; (void)l; return NULL; }
const struct mdataset *model_find_dataset(const struct mld *ld, const char *n) { (void)ld; (void)n; return NULL; }
void model_encode_data(const struct model *m, const struct mtype *t, uint32_t v, struct buf *b) { (void)m; (void)t; (void)v; (void)b; }
int model_decode_data(struct model *m, const struct mtype *t, uint32_t v, const struct ber_cur *p, const struct ber_tlv *tl) { (void)m; (void)t; (void)v; (void)p; (void)tl; return 7; }
bool model_fc_writable(uint8_t fc) { (void)fc; return false; }
