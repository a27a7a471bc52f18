package baremetaltest

import (
	"archive/tar"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"time"
)

// The archive the fake serves is a gzip member whose deflate stream is made of stored
// (uncompressed) blocks, so its size is known in advance to the byte:
//
//	gzip header (10) + extra field (6 + pad) + tar size + 5 per stored block + trailer (8)
//
// The tar holds one regular file and ends with the two zero blocks of the format. The
// padding in the gzip header's extra field (a subfield "HC" of zeros, which readers
// skip) makes up the difference between the requested size and the nearest tar size,
// a multiple of 512 bytes.
const (
	tarBlock        = 512
	tarOverhead     = 3 * tarBlock // the file's header and the end-of-archive blocks
	storedBlockMax  = 65535        // the largest stored deflate block
	storedBlockHead = 5            // BFINAL/BTYPE byte, LEN, NLEN
	gzipHeader      = 10
	gzipExtraHead   = 2 + 4 // XLEN, then the subfield's SI1 SI2 LEN
	gzipTrailer     = 8     // CRC-32 and ISIZE
	gzipFixed       = gzipHeader + gzipExtraHead + gzipTrailer
)

// MinArchiveSize is the smallest archive the fake can serve, in bytes: a valid tar.gz
// holding one empty file. WithArchiveSize raises smaller sizes to it.
const MinArchiveSize = gzipFixed + storedBlockHead + tarOverhead

// archiveEntry is the path of the log file inside every archive.
const archiveEntry = "dump/server.log"

// patternSize is the length of the text block the log file repeats. It is twice the
// deflate window, so the log does not compress to nothing if someone recompresses it.
const patternSize = 64 << 10

// archiveBufferSize is the write buffer of one archive stream: with the shared pattern,
// all the memory an archive costs, whatever its size.
const archiveBufferSize = 32 << 10

// gzipSize is the size of the gzip member wrapping a tar of tarSize bytes with an extra
// field padded by pad bytes.
func gzipSize(tarSize int64, pad int64) int64 {
	blocks := (tarSize + storedBlockMax - 1) / storedBlockMax
	return gzipFixed + pad + storedBlockHead*blocks + tarSize
}

// archiveLayout returns the tar size (a multiple of 512, at least tarOverhead) and the
// extra-field padding that make a gzip member of exactly size bytes; size must be at
// least MinArchiveSize.
func archiveLayout(size int64) (tarSize, pad int64) {
	// Start from an estimate a little low, then add whole tar blocks while they fit.
	tarSize = (size - gzipFixed) / (storedBlockMax + storedBlockHead) * storedBlockMax
	tarSize = max(tarSize/tarBlock*tarBlock, tarOverhead)
	for gzipSize(tarSize+tarBlock, 0) <= size {
		tarSize += tarBlock
	}
	return tarSize, size - gzipSize(tarSize, 0)
}

// newPattern returns the deterministic text the log files are made of: lines of
// pseudo-random printable characters.
func newPattern() []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 +/=:-_.,"
	rng := rand.New(rand.NewPCG(0x6863_6c6f_7564, 0x6c6f_6773))
	p := make([]byte, patternSize)
	for i := range p {
		if i%80 == 79 {
			p[i] = '\n'
			continue
		}
		p[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return p
}

// writeArchive writes a tar.gz of exactly size bytes (at least MinArchiveSize) to w,
// holding one log file made of pattern, stamped with modTime. It generates the archive
// while writing, with constant memory.
func writeArchive(w io.Writer, size int64, modTime time.Time, pattern []byte) error {
	tarSize, pad := archiveLayout(size)
	bw := bufio.NewWriterSize(w, archiveBufferSize)

	var head [gzipHeader + gzipExtraHead]byte
	head[0], head[1], head[2], head[3] = 0x1f, 0x8b, 8, 0x04 // magic, deflate, FEXTRA
	binary.LittleEndian.PutUint32(head[4:8], uint32(max(modTime.Unix(), 0)))
	head[8], head[9] = 0, 255 // XFL, OS unknown
	binary.LittleEndian.PutUint16(head[10:12], uint16(4+pad))
	head[12], head[13] = 'H', 'C'
	binary.LittleEndian.PutUint16(head[14:16], uint16(pad))
	if _, err := bw.Write(head[:]); err != nil {
		return err
	}
	if _, err := bw.Write(make([]byte, pad)); err != nil {
		return err
	}

	sw := &storedWriter{w: bw, left: tarSize}
	tw := tar.NewWriter(sw)
	fileSize := tarSize - tarOverhead
	err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     archiveEntry,
		Mode:     0o644,
		Size:     fileSize,
		ModTime:  modTime.Truncate(time.Second),
		Format:   tar.FormatUSTAR,
	})
	if err != nil {
		return err
	}
	for left := fileSize; left > 0; {
		n := min(left, int64(len(pattern)))
		if _, err := tw.Write(pattern[:n]); err != nil {
			return err
		}
		left -= n
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if sw.left != 0 {
		return fmt.Errorf("baremetaltest: archive layout: %d tar bytes missing", sw.left)
	}

	var tail [gzipTrailer]byte
	binary.LittleEndian.PutUint32(tail[0:4], sw.crc)
	binary.LittleEndian.PutUint32(tail[4:8], uint32(tarSize))
	if _, err := bw.Write(tail[:]); err != nil {
		return err
	}
	return bw.Flush()
}

// errTarTooLong reports a tar stream longer than its layout; it means a bug.
var errTarTooLong = errors.New("baremetaltest: archive layout: the tar is longer than planned")

// storedWriter writes exactly left bytes as a deflate stream of stored blocks of at
// most 65535 bytes, the last one flagged final, and computes their CRC-32.
type storedWriter struct {
	w       io.Writer
	left    int64 // bytes still to come
	inBlock int   // bytes still to come in the current block
	crc     uint32
	head    [storedBlockHead]byte
}

func (s *storedWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if s.inBlock == 0 {
			if s.left == 0 {
				return written, errTarTooLong
			}
			n := min(s.left, storedBlockMax)
			s.head[0] = 0 // BTYPE 00 (stored)
			if n == s.left {
				s.head[0] = 1 // BFINAL
			}
			binary.LittleEndian.PutUint16(s.head[1:3], uint16(n))
			binary.LittleEndian.PutUint16(s.head[3:5], ^uint16(n))
			if _, err := s.w.Write(s.head[:]); err != nil {
				return written, err
			}
			s.inBlock = int(n)
		}
		k := min(len(p), s.inBlock)
		if _, err := s.w.Write(p[:k]); err != nil {
			return written, err
		}
		s.crc = crc32.Update(s.crc, crc32.IEEETable, p[:k])
		s.inBlock -= k
		s.left -= int64(k)
		written += k
		p = p[k:]
	}
	return written, nil
}
