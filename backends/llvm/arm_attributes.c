/* arm_attributes.c: Tag_ABI_FP_exceptions of an ARM object set to "needed"
 * (1), as arm-none-eabi-gcc sets it by default.
 *
 * LLVM derives the tag from its target options (NoTrappingFPMath), which
 * the C API does not expose, and writes 0 ("unused"). The tag only records
 * what the code may assume about floating-point exception flags; ours never
 * tests them, so either value is true of it, and with GCC's the vendor
 * toolchain's view of the object agrees tag for tag (readelf -A).
 *
 * The object: an ELF32 little-endian relocatable with a section of type
 * SHT_ARM_ATTRIBUTES holding 'A', then subsections (length, vendor name);
 * in the "aeabi" one, a File sub-subsection (tag 1, length) of tag/value
 * pairs: tags and integer values in ULEB128, string values NUL-terminated
 * (tags 4, 5, 65, 67, Tag_compatibility 32 an integer and a string, and
 * above 32 the odd ones). A one-byte value 0 of tag 21 becomes 1 in place;
 * anything not laid out that way is left as it is. Assembly: the directive
 * ".eabi_attribute<TAB>21, 0" (as LLVM prints it) is rewritten likewise.
 */
#include "arm_attributes.h"

#include <stdint.h>
#include <string.h>

enum { SHT_ARM_ATTRIBUTES = 0x70000003, TAG_FILE = 1, TAG_FP_EXCEPTIONS = 21 };

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A ULEB128 at *p (before end): its value, *p moved past it; false when it
 * runs past end. */
static bool uleb(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static bool skip_string(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *z = memchr(*p, 0, (size_t)(end - *p));
	if (!z)
		return false;
	*p = z + 1;
	return true;
}

static bool string_valued(uint64_t tag)
{
	return tag == 4 || tag == 5 || tag == 65 || tag == 67 || (tag > 32 && tag % 2);
}

/* The File attributes in [p, end): tag 21's one-byte 0 set to 1. */
static void patch_file_attributes(unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;
	while (q < end) {
		uint64_t tag, v;
		if (!uleb(&q, end, &tag))
			return;
		if (tag == 32 && !uleb(&q, end, &v))
			return;
		if (tag == 32 || string_valued(tag)) {
			if (!skip_string(&q, end))
				return;
			continue;
		}
		unsigned char *value = p + (q - p);
		if (!uleb(&q, end, &v))
			return;
		if (tag == TAG_FP_EXCEPTIONS && v == 0 && q == value + 1)
			*value = 1;
	}
}

/* The "aeabi" subsection's File sub-subsection in the section [p, end). */
static void patch_section(unsigned char *p, unsigned char *end)
{
	if (p >= end || *p++ != 'A')
		return;
	while (end - p >= 4) {
		uint32_t len = le32(p);
		if (len < 4 || len > (uint32_t)(end - p))
			return;
		unsigned char *sub_end = p + len, *q = p + 4;
		const unsigned char *name = q;
		if (!skip_string((const unsigned char **)&q, sub_end))
			return;
		while (!strcmp((const char *)name, "aeabi") && sub_end - q >= 5) {
			unsigned char tag = q[0];
			uint32_t sub_len = le32(q + 1);
			if (sub_len < 5 || sub_len > (uint32_t)(sub_end - q))
				return;
			if (tag == TAG_FILE)
				patch_file_attributes(q + 5, q + sub_len);
			q += sub_len;
		}
		p = sub_end;
	}
}

static void patch_elf(unsigned char *b, size_t size)
{
	if (size < 52 || memcmp(b, "\177ELF", 4) || b[4] != 1 || b[5] != 1)
		return; /* ELF32, little-endian only */
	uint32_t shoff = le32(b + 0x20);
	uint16_t shentsize = le16(b + 0x2e), shnum = le16(b + 0x30);
	if (shentsize < 40 || shoff > size || (size - shoff) / shentsize < shnum)
		return;
	for (uint16_t i = 0; i < shnum; i++) {
		const unsigned char *sh = b + shoff + (size_t)i * shentsize;
		uint32_t off = le32(sh + 16), len = le32(sh + 20);
		if (le32(sh + 4) == SHT_ARM_ATTRIBUTES && off <= size && len <= size - off)
			patch_section(b + off, b + off + len);
	}
}

static void patch_asm(char *text)
{
	static const char from[] = ".eabi_attribute\t21, 0\n";
	for (char *p = strstr(text, from); p; p = strstr(p, from))
		p[sizeof from - 3] = '1';
}

void arm_fp_exceptions_needed(char *code, size_t size, bool assembly)
{
	if (assembly)
		patch_asm(code);
	else
		patch_elf((unsigned char *)code, size);
}
