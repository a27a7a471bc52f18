package wire

// IsUUID reports whether s has the 8-4-4-4-12 form of a UUID: 36 characters,
// hexadecimal digits (either case) in groups of 8, 4, 4, 4 and 12 joined by hyphens.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
