// Package noproc declares NFs the analysis cannot start from.
package noproc

import "github.com/nfmaestro/maestro/maestro"

//maestro:nf
type Wrong struct{} // want `MAE011: //maestro:nf type Wrong has no method Process`

func New() *Wrong { return &Wrong{} }

func (w *Wrong) Process(p maestro.Packet) maestro.Verdict { return maestro.Drop }

//maestro:nf Make
type NoCtor struct{} // want `MAE012: //maestro:nf type NoCtor has no constructor function Make`

func (n *NoCtor) Process(p *maestro.Packet) maestro.Verdict { return maestro.Drop }
