#ifndef MUELLE_CLIBSSH2_SHIM_H
#define MUELLE_CLIBSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <string.h>

/* libssh2 spells much of its API as function-like macros (libssh2_session_init, libssh2_sftp_open,
 * libssh2_userauth_password, libssh2_sftp_rename, ...), and Swift cannot call a function-like macro.
 * Each wrapper below is the macro's expansion as a real function, prefixed `muelle_` so that it can never
 * collide with a future libssh2 symbol. Paths and names take an explicit length rather than strlen where
 * libssh2 allows it, so Swift's bytes go through unchanged. Nothing here adds behaviour. */

static inline LIBSSH2_SESSION *muelle_libssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

static inline int muelle_libssh2_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

static inline int muelle_libssh2_userauth_password(LIBSSH2_SESSION *session, const char *user,
                                                   const char *password) {
    return libssh2_userauth_password_ex(session, user, (unsigned int)strlen(user),
                                        password, (unsigned int)strlen(password), NULL);
}

/* The public key is derived from the private key (libssh2 is built with OpenSSL on Debian), so only the
 * private key file is needed. */
static inline int muelle_libssh2_userauth_publickey_fromfile(LIBSSH2_SESSION *session, const char *user,
                                                             const char *private_key, const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user),
                                                  NULL, private_key, passphrase);
}

static inline LIBSSH2_SFTP_HANDLE *muelle_libssh2_sftp_open(LIBSSH2_SFTP *sftp, const char *path,
                                                            unsigned long flags, long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode, LIBSSH2_SFTP_OPENFILE);
}

static inline LIBSSH2_SFTP_HANDLE *muelle_libssh2_sftp_opendir(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), 0, 0, LIBSSH2_SFTP_OPENDIR);
}

static inline int muelle_libssh2_sftp_readdir(LIBSSH2_SFTP_HANDLE *handle, char *buffer, size_t length,
                                              LIBSSH2_SFTP_ATTRIBUTES *attributes) {
    return libssh2_sftp_readdir_ex(handle, buffer, length, NULL, 0, attributes);
}

static inline int muelle_libssh2_sftp_close(LIBSSH2_SFTP_HANDLE *handle) {
    return libssh2_sftp_close_handle(handle);
}

static inline int muelle_libssh2_sftp_fstat(LIBSSH2_SFTP_HANDLE *handle, LIBSSH2_SFTP_ATTRIBUTES *attributes) {
    return libssh2_sftp_fstat_ex(handle, attributes, 0);
}

/* lstat, never stat: a symbolic link on the partner's server is reported as a link, not followed. */
static inline int muelle_libssh2_sftp_lstat(LIBSSH2_SFTP *sftp, const char *path,
                                            LIBSSH2_SFTP_ATTRIBUTES *attributes) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_LSTAT, attributes);
}

/* SFTP version 3 (OpenSSH and most servers) has no rename flags: libssh2 sends none, and the server refuses
 * to replace an existing file. The flags are passed for servers speaking version 5 or later. */
static inline int muelle_libssh2_sftp_rename(LIBSSH2_SFTP *sftp, const char *source, const char *destination) {
    return libssh2_sftp_rename_ex(sftp, source, (unsigned int)strlen(source),
                                  destination, (unsigned int)strlen(destination),
                                  LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE);
}

static inline int muelle_libssh2_sftp_unlink(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_unlink_ex(sftp, path, (unsigned int)strlen(path));
}

static inline int muelle_libssh2_sftp_mkdir(LIBSSH2_SFTP *sftp, const char *path, long mode) {
    return libssh2_sftp_mkdir_ex(sftp, path, (unsigned int)strlen(path), mode);
}

static inline int muelle_libssh2_sftp_rmdir(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_rmdir_ex(sftp, path, (unsigned int)strlen(path));
}

#endif
