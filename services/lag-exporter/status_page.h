/* The status page's HTML, served on /status (status_page.c). */
#ifndef YB_LAG_EXPORTER_STATUS_PAGE_H
#define YB_LAG_EXPORTER_STATUS_PAGE_H

extern const char yb_status_page[];

#endif
