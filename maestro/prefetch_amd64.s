#include "textflag.h"

// func prefetchEach(base unsafe.Pointer, size uintptr, idx []int64)
//
// PREFETCHT0 base+idx[i]*size for every idx[i] >= 0. A prefetch never
// faults and never waits for its line, so one call puts a whole burst's
// cache misses in flight at once.
TEXT ·prefetchEach(SB), NOSPLIT, $0-40
	MOVQ base+0(FP), AX
	MOVQ size+8(FP), BX
	MOVQ idx_base+16(FP), SI
	MOVQ idx_len+24(FP), CX
	TESTQ CX, CX
	JEQ done
loop:
	MOVQ (SI), DX
	TESTQ DX, DX
	JLT next
	IMULQ BX, DX
	PREFETCHT0 (AX)(DX*1)
next:
	ADDQ $8, SI
	DECQ CX
	JNE loop
done:
	RET
