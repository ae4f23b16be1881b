#include "textflag.h"

// The body of (*FW).Process would be here. The presence of an assembly
// file is what lets the Go declaration go without a body; this package is
// only type-checked by the tests, never linked into a program.

// func nop()
TEXT ·nop(SB), NOSPLIT, $0-0
	RET
