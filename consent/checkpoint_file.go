package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadCheckpoints reads the checkpoints an integration kept. The input is one
// or more JSON values, one after another (so JSON Lines works too), each of
// them:
//   - a checkpoint, as served in GET /v1/audit/checkpoints' data;
//   - a page of that endpoint: {"data": [checkpoint, ...], "next_cursor": ...};
//   - a webhook body {"id", "type": "audit.checkpoint", "created_at", "data": checkpoint}
//     (bodies of other event types are skipped, so a log of every webhook received works);
//   - an array of any of these.
func ReadCheckpoints(r io.Reader) ([]*AuditCheckpoint, error) {
	dec := json.NewDecoder(r)
	var out []*AuditCheckpoint
	for n := 1; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("JSON value %d: %w", n, err)
		}
		if err := readCheckpointValue(raw, &out, 0); err != nil {
			return nil, fmt.Errorf("JSON value %d: %w", n, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no checkpoints in the input")
	}
	return out, nil
}

// maxCheckpointNesting bounds how deep arrays and pages may nest.
const maxCheckpointNesting = 4

func readCheckpointValue(raw json.RawMessage, out *[]*AuditCheckpoint, depth int) error {
	if depth > maxCheckpointNesting {
		return errors.New("nested too deeply")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return err
		}
		for i, item := range list {
			if err := readCheckpointValue(item, out, depth+1); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		return nil
	}
	var probe struct {
		Format *string          `json:"format"`
		Type   *string          `json:"type"`
		Data   *json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return fmt.Errorf("not a checkpoint, a page of checkpoints or a webhook body: %w", err)
	}
	switch {
	case probe.Format != nil:
		cp := &AuditCheckpoint{}
		if err := json.Unmarshal(raw, cp); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		*out = append(*out, cp)
		return nil
	case probe.Type != nil && *probe.Type != EventAuditCheckpoint:
		return nil // another webhook event
	case probe.Data != nil:
		return readCheckpointValue(*probe.Data, out, depth+1)
	}
	return errors.New("not a checkpoint, a page of checkpoints or a webhook body")
}
