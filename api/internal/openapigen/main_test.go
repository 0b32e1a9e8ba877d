package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestCommittedDocumentIsCurrent fails when api/openapi.json was edited by hand
// or the generator changed without regenerating it.
func TestCommittedDocumentIsCurrent(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/openapi.json is stale: run go run ./api/internal/openapigen -o api/openapi.json")
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || !json.Valid(a) {
		t.Fatal("two runs differ or the output is not JSON")
	}
}

func TestBuildPathsRefusesDuplicates(t *testing.T) {
	ok := op{method: "GET", path: "/a", id: "a", tag: "T", summary: "s", status: 200, resp: jsonResp("", "Health")}
	for name, ops := range map[string][]op{
		"duplicate id":        {ok, {method: "PUT", path: "/b", id: "a", status: 200, resp: ok.resp}},
		"missing id":          {{method: "GET", path: "/c", status: 200, resp: ok.resp}},
		"duplicate operation": {ok, {method: "GET", path: "/a", id: "b", status: 200, resp: ok.resp}},
	} {
		if _, err := buildPaths(ops); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := buildPaths([]op{ok}); err != nil {
		t.Errorf("valid op: %v", err)
	}
}
