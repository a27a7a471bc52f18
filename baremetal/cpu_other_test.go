//go:build !unix

package baremetal_test

import "time"

// processCPU is not measured on this system: cpu-ns/GiB reads 0.
func processCPU() time.Duration { return 0 }
