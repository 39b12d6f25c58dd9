/* peak.c: the processor's peak rate of 8-bit integer multiply-accumulates
 * on one core, from its widest integer dot-product instruction:
 *
 *   AVX-512 VNNI  vpdpbusd zmm: 64 u8 x s8 products summed into 16 i32
 *   AVX-VNNI      vpdpbusd ymm: 32
 *   AVX2          vpmaddubsw + vpmaddwd + vpaddd ymm: 32 per three instructions
 *   otherwise     scalar i32 multiply-adds (the compiler's code)
 *
 * Twelve independent accumulators hide the instruction's latency, so the
 * loop runs at the throughput limit. The inner loop is unrolled by pragma:
 * an array indexed in a loop would stay in memory and the loop would time
 * store-to-load forwarding instead of the instruction (a third of the
 * real rate on this kind of core). Prints: peak_macs_per_s N instr NAME.
 * x86-64 only for the vector forms (gcc or clang); elsewhere the scalar
 * loop gives a (low) bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define ITERS 20000000L
#define ACCS 12
#define UNROLLED _Pragma("GCC unroll 16")

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static volatile int32_t sink;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("avx512f,avx512vnni"))) static double vnni512(void)
{
	__m512i acc[ACCS], a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
	for (int k = 0; k < ACCS; k++)
		acc[k] = _mm512_set1_epi32(k);
	double s = now_s();
	for (long i = 0; i < ITERS; i++) {
		UNROLLED
		for (int k = 0; k < ACCS; k++)
			acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
		__asm__ volatile("" : "+v"(a)); /* keep the loop from being folded */
	}
	double e = now_s();
	for (int k = 1; k < ACCS; k++)
		acc[0] = _mm512_add_epi32(acc[0], acc[k]);
	sink = _mm512_reduce_add_epi32(acc[0]);
	return (double)ITERS * ACCS * 64 / (e - s);
}

__attribute__((target("avx2,avxvnni"))) static double vnni256(void)
{
	__m256i acc[ACCS], a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-5);
	for (int k = 0; k < ACCS; k++)
		acc[k] = _mm256_set1_epi32(k);
	double s = now_s();
	for (long i = 0; i < ITERS; i++) {
		UNROLLED
		for (int k = 0; k < ACCS; k++)
			acc[k] = _mm256_dpbusd_avx_epi32(acc[k], a, b);
		__asm__ volatile("" : "+v"(a));
	}
	double e = now_s();
	for (int k = 1; k < ACCS; k++)
		acc[0] = _mm256_add_epi32(acc[0], acc[k]);
	sink = _mm256_extract_epi32(acc[0], 0);
	return (double)ITERS * ACCS * 32 / (e - s);
}

__attribute__((target("avx2"))) static double avx2(void)
{
	__m256i acc[ACCS], a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-5);
	__m256i ones = _mm256_set1_epi16(1);
	for (int k = 0; k < ACCS; k++)
		acc[k] = _mm256_set1_epi32(k);
	double s = now_s();
	for (long i = 0; i < ITERS; i++) {
		UNROLLED
		for (int k = 0; k < ACCS; k++)
			acc[k] = _mm256_add_epi32(
				acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
		__asm__ volatile("" : "+v"(a));
	}
	double e = now_s();
	for (int k = 1; k < ACCS; k++)
		acc[0] = _mm256_add_epi32(acc[0], acc[k]);
	sink = _mm256_extract_epi32(acc[0], 0);
	return (double)ITERS * ACCS * 32 / (e - s);
}
#endif

static double scalar(void)
{
	int32_t acc[ACCS] = {0};
	volatile int32_t va = 3, vb = -5;
	int32_t a = va, b = vb;
	double s = now_s();
	for (long i = 0; i < ITERS; i++)
		UNROLLED
		for (int k = 0; k < ACCS; k++)
			acc[k] += a * (b + k);
	double e = now_s();
	for (int k = 1; k < ACCS; k++)
		acc[0] += acc[k];
	sink = acc[0];
	return (double)ITERS * ACCS / (e - s);
}

int main(void)
{
	const char *name = "scalar";
	double rate;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512vnni")) {
		name = "vpdpbusd-zmm";
		rate = vnni512();
	} else if (__builtin_cpu_supports("avxvnni")) {
		name = "vpdpbusd-ymm";
		rate = vnni256();
	} else if (__builtin_cpu_supports("avx2")) {
		name = "vpmaddubsw-ymm";
		rate = avx2();
	} else
#endif
		rate = scalar();
	printf("peak_macs_per_s %.4g instr %s\n", rate, name);
	return 0;
}
