/*
 * sipp-fine-clock.c: loaded into SIPp with LD_PRELOAD by bench/sipp/run.sh.
 *
 * SIPp 3.6 reads its clock with CLOCK_MONOTONIC_COARSE, which advances once per kernel tick
 * (4 ms at HZ=250), so every response time on the loopback reads 0 or 4 ms. Answering those
 * reads from CLOCK_MONOTONIC instead gives the response-time traces microsecond resolution.
 *
 * gcc -O2 -shared -fPIC -o sipp-fine-clock.so sipp-fine-clock.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>

int clock_gettime(clockid_t clock, struct timespec *now)
{
    static int (*libc_clock_gettime)(clockid_t, struct timespec *);
    if (libc_clock_gettime == NULL)
        libc_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    return libc_clock_gettime(clock == CLOCK_MONOTONIC_COARSE ? CLOCK_MONOTONIC : clock, now);
}
