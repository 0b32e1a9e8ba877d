// Package tablet holds the real-browser tests of the front-desk tablet signing page served from api/web.
package tablet
