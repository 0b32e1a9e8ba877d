package api

import (
	"embed"
	"io/fs"
)

//go:embed web
var webFiles embed.FS

// WebFS returns the tablet page's assets, embedded in the binary.
func WebFS() fs.FS {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err)
	}
	return sub
}
