/* Benchmark: microseconds per SDP rewrite. */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	printf("bench_sdprw: not written yet\n");
	return 0;
}
