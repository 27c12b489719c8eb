/*
 * The version of cairn: the `cairn` binary (`cairn --version`, the API's
 * version and id) and this library. The PostgreSQL extension's SQL version
 * is cairn.control's default_version, which moves with its install script.
 */
#ifndef CAIRN_VERSION_H
#define CAIRN_VERSION_H

#define CAIRN_VERSION "0.1.0"

#endif
