package crashfs

// content is a file's bytes, kept sparse in pages so that a write at a
// large offset costs what it writes.
type content struct {
	size  int64
	pages map[int64][]byte // page number → pageSize bytes; missing pages are zeros
}

const pageSize = 4096

func (c *content) clone() content {
	out := content{size: c.size, pages: make(map[int64][]byte, len(c.pages))}
	for n, p := range c.pages {
		out.pages[n] = append([]byte(nil), p...)
	}
	return out
}

// readAt copies what there is at off into p and returns how much.
func (c *content) readAt(p []byte, off int64) int {
	n := int(max(min(int64(len(p)), c.size-off), 0))
	for i := 0; i < n; {
		pg, po := (off+int64(i))/pageSize, (off+int64(i))%pageSize
		k := min(n-i, int(pageSize-po))
		if page := c.pages[pg]; page != nil {
			copy(p[i:i+k], page[po:])
		} else {
			clear(p[i : i+k])
		}
		i += k
	}
	return n
}

func (c *content) writeAt(p []byte, off int64) {
	if c.pages == nil {
		c.pages = map[int64][]byte{}
	}
	for i := 0; i < len(p); {
		pg, po := (off+int64(i))/pageSize, (off+int64(i))%pageSize
		page := c.pages[pg]
		if page == nil {
			page = make([]byte, pageSize)
			c.pages[pg] = page
		}
		i += copy(page[po:], p[i:])
	}
	c.size = max(c.size, off+int64(len(p)))
}

// resize sets the size; bytes past a shrunk end are gone.
func (c *content) resize(size int64) {
	if size < c.size {
		for pg, page := range c.pages {
			switch {
			case pg*pageSize >= size:
				delete(c.pages, pg)
			case (pg+1)*pageSize > size:
				clear(page[size-pg*pageSize:])
			}
		}
	}
	c.size = size
}
