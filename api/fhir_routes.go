package api

import "github.com/gin-gonic/gin"

// fhirRoutes registers the FHIR R4 endpoints.
func (s *Server) fhirRoutes(r *gin.Engine) {}
