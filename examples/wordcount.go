// Command wordcount prints the most frequent words of its input.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

type entry struct {
	word  string
	count int
}

func countWords(scanner *bufio.Scanner) map[string]int {
	counts := make(map[string]int)
	for scanner.Scan() {
		fields := strings.FieldsFunc(scanner.Text(), func(r rune) bool {
			return !unicode.IsLetter(r) && r != '\''
		})
		for _, f := range fields {
			counts[strings.ToLower(f)]++
		}
	}
	return counts
}

func topN(counts map[string]int, n int) []entry {
	entries := make([]entry, 0, len(counts))
	for w, c := range counts {
		entries = append(entries, entry{word: w, count: c})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].count != entries[j].count {
			return entries[i].count > entries[j].count
		}
		return entries[i].word < entries[j].word
	})
	if len(entries) > n {
		entries = entries[:n]
	}
	return entries
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	counts := countWords(scanner)
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "wordcount:", err)
		os.Exit(1)
	}
	for _, e := range topN(counts, 10) {
		fmt.Printf("%7d %s\n", e.count, e.word)
	}
}
