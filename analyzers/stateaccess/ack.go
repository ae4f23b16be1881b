package stateaccess

import (
	"go/ast"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Acknowledgements. A scaling finding (effect locks) or a warning is legal:
// the plan already accounts for it. An author who has read it and accepts
// it says so where it belongs, with a reason, and the finding is no longer
// reported, so that go vet can gate a CI:
//
//	//maestro:ack SELECTORS REASON
//
// SELECTORS is a comma-separated list of codes (MAE003) or effects (locks,
// warning: every finding with that effect); REASON is free text and
// required; it ends at a following " //" comment. In the doc comment of a //maestro:nf type the directive covers
// every matching finding of that NF; anywhere else it covers the findings
// on its own line (as a trailing comment) and on the line after its comment
// group (as a comment line above the code).
//
// Blocking findings cannot be acknowledged: no parallel NF is right while
// they stand. Each selector of an acknowledgement must match a finding: a
// stale one, a blocking or unknown code and a missing reason are reported
// as MAE020, which cannot itself be acknowledged.

// ackCode is the code of acknowledgement problems.
const ackCode = "MAE020"

// ack is one //maestro:ack directive.
type ack struct {
	pos    token.Pos
	file   string  // file name, for line acks
	lines  [2]int  // lines a line ack covers
	nf     *nfDecl // NF acks: the NF whose doc comment holds it
	sels   []string
	used   []bool
	reason string
}

// covers reports whether selector sel names code.
func selMatches(sel, code string) bool {
	return sel == code || sel == codeEffect(code)
}

// acknowledgeable reports whether a finding with this code may be
// acknowledged: scaling findings and warnings, but not MAE020.
func acknowledgeable(code string) bool {
	e := codeEffect(code)
	return (e == EffectLocks || e == EffectWarning) && code != ackCode
}

// parseAcks finds every //maestro:ack of the package, attaches those in an
// NF's doc comment to the NF and reports malformed ones (which then
// acknowledge nothing).
func (r *reporter) parseAcks(nfs []*nfDecl) []*ack {
	docOf := map[*ast.CommentGroup]*nfDecl{}
	for _, d := range nfs {
		for _, g := range d.docs {
			docOf[g] = d
		}
	}
	var out []*ack
	for _, f := range r.pass.Files {
		var code map[int]bool // lines where code starts or ends, once needed
		for _, g := range f.Comments {
			for _, c := range g.List {
				arg, ok := directive("ack", &ast.CommentGroup{List: []*ast.Comment{c}})
				if !ok {
					continue
				}
				a := r.parseAck(c.Pos(), arg)
				if a == nil {
					continue
				}
				if d := docOf[g]; d != nil {
					a.nf = d
				} else {
					if code == nil {
						code = r.codeLines(f)
					}
					p := r.pass.Fset.Position(c.Pos())
					a.file = p.Filename
					a.lines = [2]int{p.Line, p.Line}
					if !code[p.Line] {
						// A comment line of its own: it covers the code
						// below its comment group.
						a.lines[1] = r.pass.Fset.Position(g.End()).Line + 1
					}
				}
				out = append(out, a)
			}
		}
	}
	return out
}

// codeLines returns the lines of f on which a syntax node starts or ends:
// a comment on such a line trails code.
func (r *reporter) codeLines(f *ast.File) map[int]bool {
	lines := map[int]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n.(type) {
		case nil, *ast.Comment, *ast.CommentGroup:
			return false
		}
		lines[r.pass.Fset.Position(n.Pos()).Line] = true
		lines[r.pass.Fset.Position(n.End()).Line] = true
		return true
	})
	return lines
}

// parseAck parses the argument of one //maestro:ack; nil when it is
// malformed (reported).
func (r *reporter) parseAck(pos token.Pos, arg string) *ack {
	arg, _, _ = strings.Cut(arg, " //") // a comment after the directive
	arg = strings.TrimSpace(arg)
	selText, reason, _ := strings.Cut(arg, " ")
	reason = strings.TrimSpace(reason)
	if selText == "" || reason == "" {
		r.emit(pos, ackCode, "//maestro:ack needs the codes it acknowledges and a reason, as in //maestro:ack MAE003 a bridge keys by MAC address, which RSS cannot hash")
		return nil
	}
	a := &ack{pos: pos, reason: reason}
	for _, sel := range strings.Split(selText, ",") {
		switch e := codeEffect(sel); {
		case sel == EffectLocks || sel == EffectWarning:
		case sel == EffectBlocking || e == EffectBlocking:
			r.emit(pos, ackCode, "//maestro:ack %s: blocking findings cannot be acknowledged, only fixed: no parallel version of the NF is right while one stands", sel)
			return nil
		case sel == ackCode || e == "":
			r.emit(pos, ackCode, "//maestro:ack %s: not a code that can be acknowledged (a MAE code whose effect is locks or warning, or the words locks and warning)", sel)
			return nil
		}
		a.sels = append(a.sels, sel)
	}
	a.used = make([]bool, len(a.sels))
	return a
}

// pending is a finding held back until the acknowledgements are known.
type pending struct {
	diag analysis.Diagnostic
	code string
	file string
	line int
	nfs  []*nfDecl // the NFs whose analysis found it (none: the package's)
}

// flush reports the held findings that no acknowledgement covers, then the
// acknowledgements that covered nothing.
func (r *reporter) flush(acks []*ack) {
	for _, p := range r.pending {
		if !acknowledgeable(p.code) || !r.acked(p, acks) {
			r.pass.Report(p.diag)
		}
	}
	r.pending = nil
	for _, a := range acks {
		for i, sel := range a.sels {
			if a.used[i] {
				continue
			}
			where := "on its line or the line below"
			if a.nf != nil {
				where = "of " + a.nf.obj.Name()
			}
			r.emit(a.pos, ackCode, "//maestro:ack %s matches no finding %s: remove the stale acknowledgement", sel, where)
		}
	}
}

// acked reports whether acks cover p, marking the ones that do: a line ack
// on its line, or an NF ack of every NF that found it.
func (r *reporter) acked(p *pending, acks []*ack) bool {
	covered := false
	for _, a := range acks {
		if a.nf == nil && a.file == p.file && (a.lines[0] == p.line || a.lines[1] == p.line) {
			covered = a.take(p.code) || covered
		}
	}
	if covered {
		return true
	}
	if len(p.nfs) == 0 {
		return false
	}
	all := true
	var taken []*ack
	for _, d := range p.nfs {
		found := false
		for _, a := range acks {
			if a.nf == d && a.matches(p.code) {
				found = true
				taken = append(taken, a)
			}
		}
		all = all && found
	}
	if !all {
		return false
	}
	for _, a := range taken {
		a.take(p.code)
	}
	return true
}

func (a *ack) matches(code string) bool {
	for _, sel := range a.sels {
		if selMatches(sel, code) {
			return true
		}
	}
	return false
}

// take marks the selectors of a matching code as used.
func (a *ack) take(code string) bool {
	ok := false
	for i, sel := range a.sels {
		if selMatches(sel, code) {
			a.used[i] = true
			ok = true
		}
	}
	return ok
}

// Category returns the category the analyzer gives a diagnostic with this
// code: "MAE003/locks", the code and its effect (EffectBlocking,
// EffectLocks or EffectWarning), so that tools reading go vet -json see the
// severity.
func Category(code string) string {
	e := codeEffect(code)
	if e == "" {
		e = EffectBlocking
	}
	return code + "/" + e
}

// CategoryCode returns the code of a category made by Category.
func CategoryCode(category string) string {
	code, _, _ := strings.Cut(category, "/")
	return code
}
