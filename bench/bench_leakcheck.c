/* Benchmark: microseconds per leak check scan. */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	printf("bench_leakcheck: not written yet\n");
	return 0;
}
