// OpenSSL's libcrypto (Debian libssl-dev): SHA-256 through the EVP digest API, which uses the
// CPU's SHA extensions where it has them.
#include <openssl/evp.h>
