/**
 * Paged lists, as Prolific's Django REST framework answers them: `{results, meta:{count}, _links}` with
 * absolute links on the API origin. A request may page with `limit`/`offset` (what the CLI sends) or with
 * `page`/`page_size` (what the global submissions list documents, 20 a page by default); the links keep the
 * style the request used. The link objects are `{href, title}`, as the live API's `_links` have them; a
 * client should accept a bare URL string too.
 */
import { ApiError } from '../errors.js';
import { json } from './route.js';

export const PAGE_SIZE = 20;
/** DRF's max_page_size: a larger size asked for is quietly reduced to this. */
const MAX_PAGE_SIZE = 100;

/** `style` is how links page when the request named neither style; `defaultSize` is the page size when none is asked for. */
export function pagedList(url: URL, items: readonly unknown[], style: 'page' | 'offset', defaultSize = PAGE_SIZE): Response {
  const query = url.searchParams;
  const byPage = query.has('page') || query.has('page_size') || (style === 'page' && !query.has('limit') && !query.has('offset'));
  const size = Math.min(MAX_PAGE_SIZE, positive(query.get(byPage ? 'page_size' : 'limit')) ?? defaultSize);
  let offset: number;
  if (byPage) {
    const page = positive(query.get('page') ?? '1');
    // DRF answers 404 for a page that is not a number or lies past the last one.
    if (page === undefined || (page > 1 && (page - 1) * size >= items.length)) throw new ApiError(404, 'Invalid page.');
    offset = (page - 1) * size;
  } else {
    offset = Math.max(0, Math.trunc(Number(query.get('offset') ?? 0)) || 0);
  }
  const link = (start: number): string => {
    const target = new URL(url);
    if (byPage) {
      target.searchParams.set('page', String(Math.floor(start / size) + 1));
      if (query.has('page_size')) target.searchParams.set('page_size', String(size));
    } else {
      target.searchParams.set('limit', String(size));
      target.searchParams.set('offset', String(start));
    }
    return target.href;
  };
  const last = Math.max(0, Math.ceil(items.length / size) - 1) * size;
  return json({
    results: items.slice(offset, offset + size),
    meta: { count: items.length },
    _links: {
      self: { href: link(offset), title: 'Current' },
      next: { href: offset + size < items.length ? link(offset + size) : null, title: 'Next' },
      previous: { href: offset > 0 ? link(Math.max(0, offset - size)) : null, title: 'Previous' },
      last: { href: link(last), title: 'Last' },
    },
  });
}

/** A page number or size: a whole number from 1; anything else is as if it were not given. */
function positive(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= 1 ? number : undefined;
}
