/** What `ao watch` learns about a session's pull request: validated GitHub facts (adapters/github-watch.ts). */

export type CheckOutcome = "success" | "failure" | "pending" | "neutral";

export interface CheckFact {
  name: string;
  outcome: CheckOutcome;
  url: string | null;
  /** A GitHub Actions job (its check run id is the job id): its log can be fetched. */
  jobId?: number;
}

export interface ReviewCommentFact {
  path: string;
  line: number | null;
  body: string;
}

export interface ReviewFact {
  id: string;
  state: string;
  author: string | null;
  /** By the repository's owner, a member or a collaborator: only such a review is sent to the agent. */
  trusted: boolean;
  body: string;
  submittedAt: string | null;
  comments: ReviewCommentFact[];
}

export interface PrFacts {
  number: number;
  url: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  merged: boolean;
  mergedAt: string | null;
  isDraft: boolean;
  headRefOid: string;
  baseRefName: string;
  baseRefOid: string;
  mergeable: "MERGEABLE" | "CONFLICTING" | "UNKNOWN";
  reviewDecision: "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED" | null;
  checks: CheckFact[];
  /** The latest reviews that requested changes, oldest first. */
  reviews: ReviewFact[];
}

export interface WatchFacts {
  pr: PrFacts | null;
  issueState: "OPEN" | "CLOSED" | null;
}

export interface WatchQuery {
  key: string;
  branch: string;
  issueNumber?: number;
}
