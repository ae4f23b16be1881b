#include "textflag.h"

// func prefetchEach(base unsafe.Pointer, size uintptr, idx []int64)
//
// PRFM PLDL1KEEP base+idx[i]*size for every idx[i] >= 0 (see the amd64
// version).
TEXT ·prefetchEach(SB), NOSPLIT, $0-40
	MOVD base+0(FP), R0
	MOVD size+8(FP), R1
	MOVD idx_base+16(FP), R2
	MOVD idx_len+24(FP), R3
	CBZ R3, done
loop:
	MOVD.P 8(R2), R4
	TBNZ $63, R4, next
	MADD R1, R0, R4, R5
	PRFM (R5), PLDL1KEEP
next:
	SUB $1, R3
	CBNZ R3, loop
done:
	RET
