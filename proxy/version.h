/* version.h - the one place the version is written. */
#ifndef EDGESIM_VERSION_H
#define EDGESIM_VERSION_H
#define EDGESIM_VERSION "0.1.0"
#endif
