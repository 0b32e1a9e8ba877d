package api_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

func TestSignFlowSealsPDF(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "es")
	st, b := s.Do(t, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	if st != http.StatusOK {
		t.Fatalf("get: %d %s", st, b)
	}
	c := apptest.JSON(t, b)
	if c["status"] != "signed" || c["locale"] != "es" {
		t.Fatalf("status %v locale %v", c["status"], c["locale"])
	}
	st, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if st != http.StatusOK {
		t.Fatalf("pdf: %d", st)
	}
	if v := s.Sealer.Verify(pdf); !v.Valid || v.ConsentID != id {
		t.Fatalf("verify: %+v", v)
	}
	flipped := append([]byte(nil), pdf...)
	flipped[len(flipped)/3] ^= 0x01
	st, b = s.Do(t, "POST", "/v1/verify", s.AdminKey, flipped)
	if m := apptest.JSON(t, b); st != 200 || m["valid"] != false {
		t.Fatalf("flipped byte verified: %d %s", st, b)
	}
}

func TestConcurrentSameRoleSignsOnce(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	body := apptest.PatientSignature(apptest.Acknowledged(t, c))
	const n = 6
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i], _ = s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, body)
		}(i)
	}
	wg.Wait()
	counts := map[int]int{}
	for _, st := range statuses {
		counts[st]++
	}
	if counts[201] != 1 || counts[409] != n-1 {
		t.Fatalf("statuses %v, want one 201 and %d 409", counts, n-1)
	}
	_, b := s.Do(t, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	if sigs := apptest.JSON(t, b)["signatures"].([]any); len(sigs) != 1 {
		t.Fatalf("%d signatures stored", len(sigs))
	}
}
