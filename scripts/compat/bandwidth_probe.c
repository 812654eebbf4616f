// The memory-bandwidth probe of scripts/compat/bench-peers.sh: the time of one read (a sum) and of one read plus one
// write (a copy) of a 400 MB float32 buffer, on 1 or more threads, each the median of several repetitions. From it
// the peer benchmark derives its rooflines (docs/performance.md, "Machine and method").
//
//   clang -O2 -march=native -pthread scripts/compat/bandwidth_probe.c -o artifacts/bench/bandwidth-probe
//   artifacts/bench/bandwidth-probe THREADS REPETITIONS [--serve]
//
// With --serve, the probe fills its buffers once and then measures once for every line it reads on standard input,
// printing one JSON line each, until standard input ends: scripts/compat/PeerBench runs it so, to measure right
// before and after each cell's timed calls without paying for the 800 MB fill every time.
// The copy streams its stores past the caches (non-temporal), the least traffic a read plus a write can cost: a
// plain store first reads the destination's cache line (about a third more traffic; glibc's memcpy did that here).
// Prints one JSON line: {"tool": "probe", "threads": T, "buffer_bytes": B, "read_ms": R, "copy_ms": C}.
// pthreads rather than OpenMP: Debian's clang links OpenMP only with libomp-dev installed, pthreads always.
// Each thread owns one contiguous slice of the buffers (the first-touch fill puts its pages near that thread); the
// main thread times from one barrier to the next, so a repetition ends when the slowest slice does.
// Exit codes: 0 done, 2 invalid command line, 3 out of memory or no threads.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ELEMENTS = 100000000, MAX_THREADS = 64, MAX_REPETITIONS = 1000 };

// Explicit vectors: a plain float loop may not be reordered into lanes (no -ffast-math), and one scalar accumulator
// would time the adder, not the memory.
typedef float float8 __attribute__((vector_size(32)));

typedef struct {
    const float *source;
    float *destination;
    size_t count;
} Slice;

static pthread_barrier_t start_barrier, end_barrier;
static Slice slices[MAX_THREADS];
static int thread_count, repetitions;
static volatile float sink;  // keeps the sums observable

static float sum_slice(const Slice *slice) {
    float8 a = {0}, b = {0}, c = {0}, d = {0};
    size_t i = 0, blocks = slice->count / 32 * 32;
    for (; i < blocks; i += 32) {
        float8 x0, x1, x2, x3;
        memcpy(&x0, slice->source + i, sizeof x0);
        memcpy(&x1, slice->source + i + 8, sizeof x1);
        memcpy(&x2, slice->source + i + 16, sizeof x2);
        memcpy(&x3, slice->source + i + 24, sizeof x3);
        a += x0, b += x1, c += x2, d += x3;
    }
    float8 all = a + b + c + d;
    float total = 0;
    for (int lane = 0; lane < 8; lane++) total += all[lane];
    for (; i < slice->count; i++) total += slice->source[i];
    return total;
}

static void copy_slice(const Slice *slice) {
    size_t i = 0, blocks = slice->count / 8 * 8;  // slices start 64-byte aligned
    for (; i < blocks; i += 8) {
        float8 x;
        memcpy(&x, slice->source + i, sizeof x);
        __builtin_nontemporal_store(x, (float8 *)(slice->destination + i));
    }
    for (; i < slice->count; i++) slice->destination[i] = slice->source[i];
}

// What the next pass between the barriers is: set by the main thread before it releases the start barrier.
enum Pass { PASS_READ, PASS_COPY, PASS_QUIT };
static enum Pass next_pass;

// One pass of the given kind over this thread's slice, between the two barriers the main thread times.
static void run_pass(const Slice *slice, enum Pass pass) {
    if (pass == PASS_COPY) {
        copy_slice(slice);
    } else {
        sink = sum_slice(slice);
    }
}

static void *worker(void *argument) {
    Slice *slice = argument;
    // First touch: pages land near this thread. No two pages hold the same values, so that no layer under this
    // process can share one page among many (a probe that lives on with --serve has time for that).
    size_t first = (size_t)(slice->source - slices[0].source);
    for (size_t i = 0; i < slice->count; i++) {
        ((float *)slice->source)[i] = (float)(first + i);
        slice->destination[i] = -(float)(first + i);
    }
    pthread_barrier_wait(&end_barrier);
    for (;;) {
        pthread_barrier_wait(&start_barrier);
        enum Pass pass = next_pass;
        if (pass == PASS_QUIT) return NULL;
        run_pass(slice, pass);
        pthread_barrier_wait(&end_barrier);
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare_doubles(const void *left, const void *right) {
    double a = *(const double *)left, b = *(const double *)right;
    return (a > b) - (a < b);
}

static double median(double *values, int count) {
    qsort(values, count, sizeof *values, compare_doubles);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static int parse_count(const char *text, int low, int high, const char *what) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < low || value > high) {
        fprintf(stderr, "bandwidth-probe: %s '%s' is not a whole number from %d to %d\n", what, text, low, high);
        exit(2);
    }
    return (int)value;
}

int main(int argc, char **argv) {
    int serve = argc == 4 && strcmp(argv[3], "--serve") == 0;
    if (argc != 3 && !serve) {
        fprintf(stderr, "bandwidth-probe: usage: bandwidth-probe THREADS REPETITIONS [--serve]\n");
        return 2;
    }
    thread_count = parse_count(argv[1], 1, MAX_THREADS, "THREADS");
    repetitions = parse_count(argv[2], 1, MAX_REPETITIONS, "REPETITIONS");

    float *source = aligned_alloc(64, (size_t)ELEMENTS * sizeof(float));
    float *destination = aligned_alloc(64, (size_t)ELEMENTS * sizeof(float));
    double *read_ms = malloc(sizeof(double) * repetitions), *copy_ms = malloc(sizeof(double) * repetitions);
    if (!source || !destination || !read_ms || !copy_ms) {
        fprintf(stderr, "bandwidth-probe: cannot allocate 2 x %zu MB\n", (size_t)ELEMENTS * sizeof(float) / 1000000);
        return 3;
    }
    pthread_barrier_init(&start_barrier, NULL, thread_count + 1);
    pthread_barrier_init(&end_barrier, NULL, thread_count + 1);
    pthread_t threads[MAX_THREADS];
    size_t per_thread = ELEMENTS / thread_count / 16 * 16;  // whole cache lines
    for (int t = 0; t < thread_count; t++) {
        size_t begin = per_thread * t;
        slices[t] = (Slice){source + begin, destination + begin, t == thread_count - 1 ? ELEMENTS - begin : per_thread};
        if (pthread_create(&threads[t], NULL, worker, &slices[t]) != 0) {
            fprintf(stderr, "bandwidth-probe: cannot start thread %d of %d\n", t + 1, thread_count);
            return 3;
        }
    }
    pthread_barrier_wait(&end_barrier);  // every slice filled
    char request[256];
    int once = 1;
    while (serve ? fgets(request, sizeof request, stdin) != NULL : once--) {
        for (int r = 0; r < repetitions; r++) {
            double *times[2] = {read_ms, copy_ms};
            for (int copy = 0; copy < 2; copy++) {
                next_pass = copy ? PASS_COPY : PASS_READ;
                pthread_barrier_wait(&start_barrier);
                double started = now_ms();
                pthread_barrier_wait(&end_barrier);
                times[copy][r] = now_ms() - started;
            }
        }
        printf("{\"tool\": \"probe\", \"threads\": %d, \"buffer_bytes\": %zu, \"read_ms\": %.4f, \"copy_ms\": %.4f}\n",
               thread_count, (size_t)ELEMENTS * sizeof(float), median(read_ms, repetitions), median(copy_ms, repetitions));
        fflush(stdout);
    }
    next_pass = PASS_QUIT;
    pthread_barrier_wait(&start_barrier);
    for (int t = 0; t < thread_count; t++) pthread_join(threads[t], NULL);
    return 0;
}
