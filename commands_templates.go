package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
)

// stdin is where templates approve reads the approver's PIN; tests replace it.
var stdin = os.Stdin

// templatesApprove records a template approver's signature on a published
// version: their staff ID from --staff-id, their PIN from the terminal (not
// echoed) or one line of standard input. Wrong PINs count in the same limits
// as everywhere else (the command line is one place of its own).
func templatesApprove(ctx context.Context, cfg app.Config, args []string, staffID string, stdout io.Writer) error {
	if len(args) != 2 || staffID == "" {
		return fmt.Errorf("usage: consentd templates approve SLUG VERSION --staff-id ID (the PIN is read from the terminal or standard input)")
	}
	version, err := strconv.Atoi(args[1])
	if err != nil || version < 1 {
		return fmt.Errorf("version %q: must be a positive whole number", args[1])
	}
	pin, err := readPIN(stdin, stdout, staffID)
	if err != nil {
		return err
	}
	a, err := openToWrite(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.Service.ApproveVersion(cliContext(ctx), args[0], version, consent.Approver{StaffID: staffID, PIN: pin})
	if err != nil {
		return fmt.Errorf("%s", consent.ErrorMessage(err))
	}
	ap, err := a.Service.ApprovalOf(ctx, v.Slug, v.Version)
	if err != nil || ap == nil {
		return fmt.Errorf("approval of %s version %d not found after it was recorded: %v", v.Slug, v.Version, err)
	}
	fmt.Fprintf(stdout, "approved %s version %d (content %s)\nby %s (staff ID %s) at %s: %s\n", v.Slug, v.Version, v.ContentSHA256,
		ap.Name, ap.StaffID, consent.FormatTime(ap.At), ap.Meaning)
	return nil
}

// readPIN reads a PIN without echo from a terminal, or as the first line of
// any other input (a pipe, a file).
func readPIN(in *os.File, prompt io.Writer, staffID string) (string, error) {
	if term.IsTerminal(int(in.Fd())) {
		fmt.Fprintf(prompt, "PIN for staff ID %s: ", staffID)
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 1024)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	pin := strings.TrimRight(line, "\r\n")
	if pin == "" {
		return "", fmt.Errorf("no PIN on standard input")
	}
	return pin, nil
}
