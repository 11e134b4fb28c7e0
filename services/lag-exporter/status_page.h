/* The status page's HTML, served on /status: status_page.html, compiled in by CMake. */
#ifndef YB_LAG_EXPORTER_STATUS_PAGE_H
#define YB_LAG_EXPORTER_STATUS_PAGE_H

extern const char yb_status_page[];

#endif
