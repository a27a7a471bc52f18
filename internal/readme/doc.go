// Package readme holds the test that builds every Go block of the repository's
// README.md, so that the snippets users paste keep compiling. It has no code of its
// own.
package readme
