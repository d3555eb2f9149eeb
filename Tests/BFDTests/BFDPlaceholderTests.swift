// SPDX-License-Identifier: Apache-2.0
// Placeholder: BFD tests (issue #8) land here.
