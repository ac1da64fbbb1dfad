/*
 * report_html: the HTML rendering of a report document (report.h): one
 * self-contained page, inline CSS and inline SVG charts, no scripts,
 * fonts or network; readable on a laptop and printable. Every string
 * from the data is HTML-escaped.
 */
#ifndef SS_REPORT_HTML_H
#define SS_REPORT_HTML_H

#include <jansson.h>
#include <stdio.h>

/* Writes the report r to out. 0, or SS_EIO on a write error. */
int report_html_write(const json_t *r, FILE *out);

/* s with & < > " ' escaped (NULL: ""); a new string. */
char *report_html_escape(const char *s);

#endif
