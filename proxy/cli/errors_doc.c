/*
 * errors_doc.c - the tables of docs/errors.md from the error table.
 */
#include "errors_doc.h"

#include <string.h>

#include "errors.h"

/* A table cell: text with its pipes escaped, or a dash. */
static void
cell(FILE *out, const char *s)
{
	if (s == NULL || *s == '\0') {
		fputs(" - |", out);
		return;
	}
	fputc(' ', out);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
	fputs(" |", out);
}

static void
prefix_cell(FILE *out, int prefix)
{
	if (prefix < 0)
		fputs(" (0) |", out);
	else
		fprintf(out, " %d |", prefix);
}

void
errors_doc(FILE *out)
{
	const struct es_code_info *r;

	fprintf(out, "%s\n\n## The codes\n\n", ERRORS_DOC_BEGIN);
	fputs("| code | Akamai reference prefix | akamai | cloudfront | plain "
	    "| CloudFront result type | when | fix |\n"
	    "|---|---|---|---|---|---|---|---|\n", out);
	for (int c = ES_OK + 1; c < ES_CODE_COUNT; c++) {
		r = errors_info((enum es_code)c);
		fprintf(out, "| `%s` |", r->name);
		prefix_cell(out, r->akamai_prefix);
		fprintf(out, " %d | %d | %d |", r->status_akamai,
		    r->status_cloudfront, r->status_plain);
		cell(out, r->cf_result);
		cell(out, r->summary);
		cell(out, r->fix);
		fputc('\n', out);
	}
	fputs("\nCodes without an Akamai prefix get `0` in their reference. "
	    "The CloudFront result type is the `x-edge-detailed-result-type` "
	    "CloudFront's logs would show; the request records of an edge "
	    "with persona = cloudfront carry it as `cf_result`.\n\n## The sub-reasons\n\n"
	    "A code may carry a sub-reason (`X-Edgesim-Error: CODE; sub`). "
	    "`alert:NAME` stands for the alert the origin sent "
	    "(`alert:bad_certificate`). A fix in `{braces}` is filled in with "
	    "the names of the failing hop; where several fixes are listed, "
	    "the edge picks the one that fits what it saw.\n\n"
	    "| code | sub-reason | CloudFront result type | what it means | "
	    "fix |\n|---|---|---|---|---|\n", out);
	for (size_t i = 0; (r = errors_row(i)) != NULL; i++) {
		if (r->sub == NULL)
			continue;
		fprintf(out, "| `%s` | `%s%s`%s%s |", errors_name(r->code),
		    r->sub, strcmp(r->sub, "alert") == 0 ? ":NAME" : "",
		    r->variant ? " when " : "", r->variant ? r->variant : "");
		cell(out, r->cf_result ? r->cf_result :
		    errors_info(r->code)->cf_result);
		cell(out, r->why ? r->why : "(as above)");
		cell(out, r->fix);
		fputc('\n', out);
	}
	fprintf(out, "\n`ERR_BAD_REQUEST` carries the parser's reason in words "
	    "(`malformed request line`, `invalid Content-Length`, ...).\n\n"
	    "%s\n", ERRORS_DOC_END);
}
