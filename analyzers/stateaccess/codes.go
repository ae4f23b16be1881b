package stateaccess

// Code is the registry entry of one diagnostic code: what it means and
// whether it blocks code generation.
type Code struct {
	ID    string // "MAE001"
	Title string // one line, as in the package documentation
	// Effect is what the finding does to the plan: EffectBlocking (no
	// parallel NF can be right: maestrogen refuses), EffectLocks (legal,
	// but packets of different RSS queues may share state: the NF runs
	// with locks) or EffectWarning (reported, the plan is unchanged).
	Effect string
}

// Effects of a diagnostic code on the plan.
const (
	EffectBlocking = "blocking"
	EffectLocks    = "locks"
	EffectWarning  = "warning"
)

// Codes lists every diagnostic code, in order. The package documentation
// explains each; a test checks that the two agree.
var Codes = []Code{
	{"MAE001", "field written on the packet path without //maestro:state", EffectBlocking},
	{"MAE002", "state key built from opaque data", EffectLocks},
	{"MAE003", "state key with no component RSS can hash", EffectLocks},
	{"MAE004", "iteration over a whole container on the packet path", EffectLocks},
	{"MAE005", "time.Now (or Since/Until) on the packet path", EffectBlocking},
	{"MAE006", "state passed to, stored in or converted to something the analysis cannot follow", EffectBlocking},
	{"MAE007", "goroutine or channel operation on the packet path", EffectBlocking},
	{"MAE008", "package-level variable written on the packet path", EffectBlocking},
	{"MAE009", "p.InPort compared with a non-constant", EffectLocks},
	{"MAE010", "//maestro:state field whose type is not a maestro container, or with an unknown option", EffectBlocking},
	{"MAE011", "//maestro:nf declaration the analysis cannot use", EffectBlocking},
	{"MAE012", "//maestro:nf constructor missing", EffectBlocking},
	{"MAE013", "store to memory that outlives the packet, outside the containers", EffectBlocking},
	{"MAE014", "container used on the packet path that is not a //maestro:state field", EffectBlocking},
	{"MAE015", "dynamic call whose targets the analysis cannot see", EffectBlocking},
	{"MAE016", "analysis incomplete: recursion or a bound reached", EffectBlocking},
	{"MAE017", "time-driven write that does not run before every access to its container", EffectLocks},
	{"MAE018", "//maestro:state field with no access on the packet path", EffectWarning},
	{"MAE019", "constructor whose result differs from one call to the next", EffectBlocking},
	{"MAE020", "//maestro:ack that acknowledges nothing: stale, blocking or unknown code, no reason", EffectWarning},
	{"MAE021", "result that depends on other keys' entries: an Expire count, a CountMin estimate, an entry index that leaves the containers", EffectLocks},
}

// codeEffect returns the effect of code ("" for an unknown code).
func codeEffect(code string) string {
	for _, c := range Codes {
		if c.ID == code {
			return c.Effect
		}
	}
	return ""
}

// Blocking reports whether a diagnostic with this code makes the NF unfit
// for parallelization (maestrogen refuses to generate). Findings that only
// force locks (the plan already accounts for them) and warnings are not
// blocking; unknown codes are.
func Blocking(code string) bool {
	e := codeEffect(code)
	return e != EffectLocks && e != EffectWarning
}
