package hcloud

import "strings"

// MaxIDLength is the longest cluster, server or host ID a client accepts (64).
const MaxIDLength = 64

// ValidID reports whether id has the shape every client requires of the ID of a
// cluster (CSS, DWS), a server (baremetal, the target of an HSS restore) or a host
// (HSS) before it sends anything: hexadecimal digits (either case) in groups
// separated by single hyphens, at most MaxIDLength characters, such as the UUID
// 4213d908-f5dc-4633-8401-cfd7175fca0c. Programs can check their input with it
// before starting any work.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLength || id[0] == '-' || id[len(id)-1] == '-' || strings.Contains(id, "--") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
