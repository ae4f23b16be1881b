package dpdk

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Vdev is one --vdev argument of an EAL command line: the device name
// (e.g. "net_pcap0") and its key=value arguments in order.
type Vdev struct {
	Name string
	Args [][2]string
}

// Arg returns the value of the first argument named key, and whether there
// is one.
func (v Vdev) Arg(key string) (string, bool) {
	for _, kv := range v.Args {
		if kv[0] == key {
			return kv[1], true
		}
	}
	return "", false
}

// Vdevs returns the --vdev devices of the EAL arguments eal, in order, in
// either form "--vdev=DEV,k=v,..." or "--vdev" "DEV,k=v,...". Other
// arguments are skipped.
func Vdevs(eal []string) []Vdev {
	var out []Vdev
	for i := 0; i < len(eal); i++ {
		a := eal[i]
		var spec string
		switch {
		case strings.HasPrefix(a, "--vdev="):
			spec = strings.TrimPrefix(a, "--vdev=")
		case a == "--vdev" && i+1 < len(eal):
			i++
			spec = eal[i]
		default:
			continue
		}
		parts := strings.Split(spec, ",")
		v := Vdev{Name: parts[0]}
		for _, p := range parts[1:] {
			k, val, _ := strings.Cut(p, "=")
			v.Args = append(v.Args, [2]string{k, val})
		}
		out = append(out, v)
	}
	return out
}

// CheckVdevFiles reports, naming the device and the file, the first
// net_pcap input file (rx_pcap) that cannot be opened for reading and the
// first output file (tx_pcap) whose directory does not exist. Without this
// check the EAL merely skips the device, and the run fails later with a
// port count ("2 ports wanted, 1 available") that does not say why.
func CheckVdevFiles(eal []string) error {
	for _, v := range Vdevs(eal) {
		if !strings.HasPrefix(v.Name, "net_pcap") && !strings.HasPrefix(v.Name, "eth_pcap") {
			continue
		}
		for _, kv := range v.Args {
			switch kv[0] {
			case "rx_pcap":
				f, err := os.Open(kv[1])
				if err != nil {
					return fmt.Errorf("dpdk: --vdev %s: input file: %w", v.Name, err)
				}
				f.Close()
			case "tx_pcap":
				dir := filepath.Dir(kv[1])
				if st, err := os.Stat(dir); err != nil {
					return fmt.Errorf("dpdk: --vdev %s: output file %s: %w", v.Name, kv[1], err)
				} else if !st.IsDir() {
					return fmt.Errorf("dpdk: --vdev %s: output file %s: %s is not a directory", v.Name, kv[1], dir)
				}
			}
		}
	}
	return nil
}

// Replay reports whether every one of the first n vdevs of eal replays a
// capture file (a net_pcap device with rx_pcap), the case in which Run
// applies back-pressure instead of dropping and merges the ports by
// timestamp. n <= 0 means every vdev.
func Replay(eal []string, n int) bool {
	vs := Vdevs(eal)
	if n <= 0 {
		n = len(vs)
	}
	if n == 0 || len(vs) < n {
		return false
	}
	for _, v := range vs[:n] {
		if _, ok := v.Arg("rx_pcap"); !ok || !(strings.HasPrefix(v.Name, "net_pcap") || strings.HasPrefix(v.Name, "eth_pcap")) {
			return false
		}
	}
	return true
}
