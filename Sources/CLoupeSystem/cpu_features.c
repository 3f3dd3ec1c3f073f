#include "loupe_system.h"

// __builtin_cpu_supports reads CPUID and checks the OS saves the wider registers (XGETBV).
int loupe_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int loupe_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && loupe_cpu_has_avx2_fma();
}
