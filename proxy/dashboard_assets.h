/*
 * dashboard_assets.h - the dashboard's files (dashboard/: index.html,
 * app.js, style.css), built into the binary so that it works offline and
 * fetches nothing from anywhere else. The C file is generated at build
 * time by scripts/embed-assets (build/gen/dashboard_assets.c); edit the
 * files under dashboard/, never the generated one.
 */
#ifndef EDGESIM_DASHBOARD_ASSETS_H
#define EDGESIM_DASHBOARD_ASSETS_H

#include <stddef.h>

struct dashboard_asset {
	const char *path;               /* "/", "/app.js" */
	const char *type;               /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* The asset served at path, or NULL. */
const struct dashboard_asset *dashboard_asset_find(const char *path);

#endif
