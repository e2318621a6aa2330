/* version.h — the one version number of okrd and okr. */
#ifndef OKR_VERSION_H
#define OKR_VERSION_H

#define OKR_VERSION "0.1.0"

#endif
