/* SPDX-License-Identifier: Apache-2.0 */
/* test_log.c's other half: <syslog.h> after log.h. */
#include "log.h"

#include <syslog.h>

int log_order_levels(void);
int log_order_levels(void)
{
	openlog("iedd-test", LOG_PID, LOG_DAEMON);	/* <syslog.h> works beside log.h */
	closelog();
	return LOGL_ERR + LOGL_DEBUG;
}
