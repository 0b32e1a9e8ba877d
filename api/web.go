package api

import (
	"io/fs"
	"net/http"
	"path"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// signPage serves the tablet signing page; the token (if any) stays in the path
// and is read by the page's script, never echoed into the HTML.
func (s *Server) signPage(c *gin.Context) {
	if s.Web == nil {
		s.fail(c, consent.Errorf(consent.ENOTFOUND, "The signing page is not available."))
		return
	}
	b, err := readWeb(s, "index.html")
	if err != nil {
		s.fail(c, err)
		return
	}
	tabletHeaders(c)
	c.Data(http.StatusOK, "text/html; charset=utf-8", b)
}

// tabletHeaders set a strict Content-Security-Policy for the tablet page: only
// this server's scripts, styles and API, nothing inline.
func tabletHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	c.Header("Cache-Control", "no-store")
}

var assetTypes = map[string]string{
	".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
	".png": "image/png", ".json": "application/json", ".woff2": "font/woff2", ".html": "text/html; charset=utf-8",
}

func (s *Server) signAsset(c *gin.Context) {
	name := path.Clean("/" + c.Param("file"))[1:]
	typ, known := assetTypes[path.Ext(name)]
	if s.Web == nil || !known {
		s.fail(c, consent.Errorf(consent.ENOTFOUND, "No such file."))
		return
	}
	b, err := readWeb(s, name)
	if err != nil {
		s.fail(c, err)
		return
	}
	tabletHeaders(c)
	c.Data(http.StatusOK, typ, b)
}

func readWeb(s *Server, name string) ([]byte, error) {
	b, err := fs.ReadFile(s.Web, name)
	if err != nil {
		return nil, consent.Errorf(consent.ENOTFOUND, "No such file.")
	}
	return b, nil
}
