package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// The device cookie carries an enrolled tablet's token. It is sent only to the
// signing API (Path), never readable by scripts (HttpOnly), never sent by
// another site's page (SameSite=Strict), and only over HTTPS when the server
// is reached by HTTPS. Browsers cap a cookie's life at 400 days, so the page
// refreshes it at every start (GET /v1/signing/device).
const (
	deviceCookie     = "consentd_device"
	deviceCookiePath = "/v1/signing"
	deviceCookieAge  = 400 * 24 * time.Hour
	deviceKey        = "consentd.device"
)

type deviceJSON struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	CreatedAt string  `json:"created_at"`
	CreatedBy string  `json:"created_by"`
	RevokedAt *string `json:"revoked_at"`
	Token     string  `json:"token,omitempty"`     // only in the creation response
	EnrolURL  string  `json:"enrol_url,omitempty"` // only in the creation response
}

func toDeviceJSON(d *consent.Device) deviceJSON {
	return deviceJSON{ID: d.ID, Name: d.Name, CreatedAt: ts(d.CreatedAt), CreatedBy: d.CreatedBy, RevokedAt: tsp(d.RevokedAt)}
}

type createDeviceRequest struct {
	Name string `json:"name"`
}

// createDevice registers a tablet. The enrolment URL carries the token in its
// fragment, which browsers never send to a server or proxy: the page reads it,
// posts it once and drops it from the address bar.
func (s *Server) createDevice(c *gin.Context) {
	var req createDeviceRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.CreatedDevice, error) {
		return s.Service.CreateDevice(ctx, req.Name)
	}, view(s.toCreatedDeviceJSON))
}

// toCreatedDeviceJSON is a new device with its token and enrolment URL,
// shown only in the creation response.
func (s *Server) toCreatedDeviceJSON(d *consent.CreatedDevice) deviceJSON {
	j := toDeviceJSON(d.Device)
	j.Token, j.EnrolURL = d.Token, strings.TrimRight(s.PublicURL, "/")+"/enrol#"+d.Token
	return j
}

func (s *Server) listDevices(c *gin.Context) {
	answerList(s, c, s.Service.ListDevices, toDeviceJSON)
}

func (s *Server) revokeDevice(c *gin.Context) {
	d, err := s.Service.RevokeDevice(c.Request.Context(), c.Param("id"))
	answer(s, c, d, err, toDeviceJSON)
}

// tabletRequest attributes a tablet request: to its enrolled device when it
// carries a live device cookie (a revoked or unknown one is cleared), else to
// the client's IP, as every unenrolled client is.
func (s *Server) tabletRequest(c *gin.Context, actor string) error {
	withRequest(c, actor, consent.ChannelTablet)
	token, err := c.Cookie(deviceCookie)
	if err != nil || token == "" {
		return nil
	}
	d, err := s.Service.DeviceByToken(c.Request.Context(), token)
	if err != nil {
		return err
	} else if d == nil {
		s.setDeviceCookie(c, "", 0) // clears it
		return nil
	}
	c.Set(deviceKey, d)
	r := consent.RequestFrom(c.Request.Context())
	r.Device, r.DeviceID = d.ID, consent.DeviceEvidence(d.ID, "")
	c.Request = c.Request.WithContext(consent.WithRequest(c.Request.Context(), r))
	return nil
}

// limitKey is the key of per-client in-memory limits: the enrolled device, else the IP.
func limitKey(c *gin.Context) string {
	if d, ok := c.Get(deviceKey); ok {
		return "device:" + d.(*consent.Device).ID
	}
	return "ip:" + c.ClientIP()
}

// setDeviceCookie sets the device cookie for maxAge, or clears it when maxAge is 0.
func (s *Server) setDeviceCookie(c *gin.Context, token string, maxAge time.Duration) {
	secure := c.Request.TLS != nil || strings.HasPrefix(s.PublicURL, "https://")
	age := int(maxAge / time.Second)
	if age <= 0 {
		age = -1 // net/http: Max-Age=0, delete now
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: deviceCookie, Value: token, Path: deviceCookiePath,
		MaxAge: age, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}

type enrolRequest struct {
	Token string `json:"token"`
}

type tabletDeviceJSON struct {
	Enrolled bool   `json:"enrolled"`
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
}

// enrolDevice is the enrolment page's call: a valid token becomes this
// browser's device cookie.
func (s *Server) enrolDevice(c *gin.Context) {
	if err := s.tabletRequest(c, "device-enrolment"); err != nil {
		s.fail(c, err)
		return
	}
	var req enrolRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.Service.EnrolDevice(c.Request.Context(), strings.TrimSpace(req.Token))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setDeviceCookie(c, strings.TrimSpace(req.Token), deviceCookieAge)
	ok(c, http.StatusOK, tabletDeviceJSON{Enrolled: true, ID: d.ID, Name: d.Name})
}

// tabletDevice tells the page whether this browser is an enrolled tablet,
// and renews the cookie's lifetime when it is.
func (s *Server) tabletDevice(c *gin.Context) {
	if err := s.tabletRequest(c, "device"); err != nil {
		s.fail(c, err)
		return
	}
	d, found := c.Get(deviceKey)
	if !found {
		ok(c, http.StatusOK, tabletDeviceJSON{})
		return
	}
	token, _ := c.Cookie(deviceCookie)
	s.setDeviceCookie(c, token, deviceCookieAge)
	dev := d.(*consent.Device)
	ok(c, http.StatusOK, tabletDeviceJSON{Enrolled: true, ID: dev.ID, Name: dev.Name})
}
