/* sha256.h: SHA-256 (FIPS 180-4), used to record which model a generated
 * object was compiled from. */
#ifndef QONNXC_BACKENDS_LLVM_SHA256_H
#define QONNXC_BACKENDS_LLVM_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t length;     /* bytes hashed so far */
	uint8_t block[64];
	size_t used;         /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, uint8_t digest[32]);
/* The digest of a whole file; 0, or -1 when it cannot be read. */
int sha256_file(const char *path, uint8_t digest[32]);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t digest[32], char hex[65]);

#endif
