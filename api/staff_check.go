package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type staffCheckRequest struct {
	Role  string            `json:"role"`
	Staff *staffCredentials `json:"staff"`
}

// staffCheckJSON is what the tablet shows a staff member after their PIN:
// who they are, and the patient's name and date of birth to check.
type staffCheckJSON struct {
	Role  string `json:"role"`
	Staff struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"staff"`
	Patient struct {
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
		BirthDate  string `json:"birth_date"`
	} `json:"patient"`
}

// staffCheck is the tablet's hand-over: a staff ID and PIN (within the PIN
// limits) unlock the patient's name and date of birth.
func (s *Server) staffCheck(c *gin.Context) {
	var req staffCheckRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var id, pin string
	if req.Staff != nil {
		id, pin = req.Staff.ID, req.Staff.PIN
	}
	sc, err := s.Service.CheckStaffAtHandover(c.Request.Context(), c.Param("token"), req.Role, id, pin)
	if err != nil {
		s.fail(c, err)
		return
	}
	var out staffCheckJSON
	out.Role = sc.Role
	out.Staff.ID, out.Staff.Name, out.Staff.Role = sc.Staff.ID, sc.Staff.Name, sc.Staff.Role
	out.Patient.GivenName, out.Patient.FamilyName, out.Patient.BirthDate = sc.Patient.GivenName, sc.Patient.FamilyName, sc.Patient.BirthDate
	ok(c, http.StatusOK, out)
}
