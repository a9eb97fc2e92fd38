"""Short Vietnamese reports written for the engine tests (no real article text):
two reports of one animal-disease outbreak and two unrelated reports of the same
day (a corruption case, a hospital procurement complaint). Vietnamese writes
every syllable apart and our stopword list holds none of its function words."""
from __future__ import annotations

SWINE_FEVER = (
    "Dịch tả lợn châu Phi bùng phát tại tỉnh Thái Bình",
    "Chi cục Chăn nuôi và Thú y tỉnh Thái Bình cho biết dịch tả lợn châu Phi đã xuất hiện tại 12 hộ "
    "chăn nuôi ở huyện Kiến Xương trong tuần qua. Hơn 850 con lợn đã bị tiêu hủy để ngăn dịch lây lan.\n\n"
    "Ông Trần Văn Hòa, Phó chi cục trưởng, nói rằng các chốt kiểm dịch đã được lập tại ba xã Quang Bình, "
    "Bình Thanh và Vũ Lễ. Người dân được yêu cầu không bán chạy lợn ốm và báo ngay cho chính quyền khi "
    "phát hiện lợn chết bất thường.\n\nTỉnh đã cấp thêm 2.000 lít hóa chất khử trùng cho các xã có dịch.",
)
SWINE_FEVER_OTHER = (
    "Thái Bình tiêu hủy hơn 850 con lợn mắc dịch tả châu Phi",
    "Huyện Kiến Xương, Thái Bình đang khẩn trương khoanh vùng ổ dịch tả lợn châu Phi sau khi phát hiện "
    "virus tại 12 hộ dân.\n\nTheo ông Trần Văn Hòa, lãnh đạo Chi cục Chăn nuôi và Thú y, tổng số lợn phải "
    "tiêu hủy đã vượt 850 con. Lực lượng thú y túc trực tại các xã Quang Bình, Bình Thanh và Vũ Lễ để kiểm "
    "soát việc vận chuyển gia súc.\n\nNgành chức năng khuyến cáo các hộ chăn nuôi tăng cường vệ sinh chuồng "
    "trại và tiêm phòng đầy đủ cho đàn lợn.",
)
CORRUPTION = (
    "Khởi tố nguyên giám đốc Sở Tài nguyên và Môi trường tỉnh Long An",
    "Cơ quan Cảnh sát điều tra Công an tỉnh Long An đã khởi tố bị can và bắt tạm giam ông Nguyễn Minh "
    "Tuấn, nguyên giám đốc Sở Tài nguyên và Môi trường, về tội lợi dụng chức vụ, quyền hạn trong khi thi "
    "hành công vụ.\n\nTheo kết luận thanh tra, ông Tuấn đã ký giao 15 ha đất cho một doanh nghiệp không "
    "qua đấu giá, gây thiệt hại cho ngân sách khoảng 120 tỷ đồng. Hai cán bộ khác của sở cũng bị khởi tố "
    "trong vụ án này.\n\nVụ việc đang được cơ quan chức năng mở rộng điều tra.",
)
HOSPITAL = (
    "Bệnh viện Đa khoa tỉnh Quảng Nam bị tố mua thiết bị y tế giá cao",
    "Thanh tra Bộ Y tế đang xác minh phản ánh về việc Bệnh viện Đa khoa tỉnh Quảng Nam mua máy chụp cộng "
    "hưởng từ với giá cao gấp đôi thị trường.\n\nTheo hồ sơ, gói thầu trị giá 48 tỷ đồng được giao cho một "
    "công ty ở Hà Nội chỉ sau một vòng chào giá. Giám đốc bệnh viện, bà Lê Thị Mai, cho biết đơn vị đã làm "
    "đúng quy trình và sẽ cung cấp đầy đủ tài liệu cho đoàn thanh tra.\n\nNhiều bệnh nhân phản ánh máy mới "
    "thường xuyên hỏng và phải chờ lịch chụp nhiều ngày tại bệnh viện.",
)
